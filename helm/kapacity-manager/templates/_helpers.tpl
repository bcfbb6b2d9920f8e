{{/* Name of the chart, or nameOverride. */}}
{{- define "kapacity-manager.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified name of the manager (Deployment, service account). Same rule as Kapacity's chart, so that
`helm upgrade` of a Kapacity release keeps the Deployment and its (immutable) selector.
*/}}
{{- define "kapacity-manager.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "kapacity-manager.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "kapacity-manager.labels" -}}
helm.sh/chart: {{ include "kapacity-manager.chart" . }}
{{ include "kapacity-manager.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Selector labels: the same as Kapacity's chart (a Deployment selector cannot change on upgrade). */}}
{{- define "kapacity-manager.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kapacity-manager.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "kapacity-manager.serviceAccountName" -}}
{{- default (include "kapacity-manager.fullname" .) .Values.serviceAccount.name }}
{{- end }}

{{/* The manager image: <registry>/<namespace>/<name>:<tag>, or <registry>/<repository>:<tag> when repository is a string. */}}
{{- define "kapacity-manager.image" -}}
{{- $repo := .Values.image.repository }}
{{- if kindIs "map" $repo }}
{{- $repo = printf "%s/%s" $repo.namespace $repo.name }}
{{- end }}
{{- $tag := .Values.image.tag | default .Chart.AppVersion }}
{{- if .Values.image.registry }}
{{- printf "%s/%s:%s" .Values.image.registry $repo $tag }}
{{- else }}
{{- printf "%s:%s" $repo $tag }}
{{- end }}
{{- end }}

{{/* Leader election is on when asked for, and always with more than one replica. */}}
{{- define "kapacity-manager.leaderElect" -}}
{{- if or .Values.leaderElection.enabled (gt (int .Values.replicaCount) 1) }}true{{ end }}
{{- end }}

{{/* Workloads whose /scale the manager and the algorithm jobs may use: apps kinds plus rbac.extraScaleTargets. */}}
{{- define "kapacity-manager.scaleTargets" -}}
- apiGroup: apps
  resources: [deployments, replicasets, statefulsets]
{{- with .Values.rbac.extraScaleTargets }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Mount paths of the secrets this chart mounts. */}}
{{- define "kapacity-manager.webhookCertDir" -}}/var/run/kapacity/webhook-tls{{- end }}
{{- define "kapacity-manager.consoleCertDir" -}}/var/run/kapacity/console-tls{{- end }}
{{- define "kapacity-manager.grpcCertDir" -}}/var/run/kapacity/grpc-tls{{- end }}
{{- define "kapacity-manager.kafkaConfigDir" -}}/var/run/kapacity/kafka{{- end }}
