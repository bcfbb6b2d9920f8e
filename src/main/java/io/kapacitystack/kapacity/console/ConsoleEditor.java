package io.kapacitystack.kapacity.console;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kapacitystack.kapacity.api.v1alpha1.IntelligentHorizontalPodAutoscaler;
import io.kapacitystack.kapacity.kube.KubeNames;
import io.kapacitystack.kapacity.kube.KubeObjects;
import io.kapacitystack.kapacity.runtime.ObjectKey;
import io.vertx.core.Handler;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import io.kapacitystack.kapacity.console.EditorInput.Editor;


/**
 * The console's write side: log in and out, create, edit (form or YAML) and delete an IHPA, and preview what the
 * planner would do now. Every POST needs an authenticated user: a session (cookie) whose CSRF token is echoed in
 * {@code X-CSRF-Token} or {@code _csrf}, or an {@code Authorization: Bearer} header (which a browser never sends by
 * itself, so it needs no CSRF token). Each write is authorized for its namespace and verb by the
 * {@link ConsoleAuthenticator}, then done with the manager's client on a worker thread.
 *
 * <pre>
 *   GET  /login, POST /login, POST /logout
 *   GET  /new?ns=                         create form
 *   GET  /ihpa/{ns}/{name}/edit           edit form (the YAML view when the form cannot show the object)
 *   POST /edit/save                       create or update (form or YAML)
 *   POST /edit/preview                    the planner's answer now, in Preview mode (an HTML fragment)
 *   POST /edit/convert?to=yaml|form       the same object in the other view
 *   GET  /ihpa/{ns}/{name}/delete         confirmation; POST deletes
 * </pre>
 */
final class ConsoleEditor {


    static final int BODY_LIMIT = 256 * 1024;

    private final ConsoleModel model;
    private final ConsoleLogin login;
    private final EditorInput input;
    private final EditorPages pages;
    private final IhpaWriter writer;

    ConsoleEditor(ConsoleModel model, ConsoleLogin login, IhpaWriter writer) {
        this.model = model;
        this.login = login;
        this.input = new EditorInput(model.serialization());
        this.pages = new EditorPages(model, login);
        this.writer = writer;
    }

    void mount(Router router, Handler<RoutingContext> secure) {
        BodyHandler body = BodyHandler.create(false).setBodyLimit(BODY_LIMIT);
        login.mount(router, secure, body);
        router.get("/new").handler(secure).handler(this::newPage);
        router.get("/ihpa/:namespace/:name/edit").handler(secure).handler(this::editPage);
        router.post("/edit/save").handler(body).handler(secure).handler(this::save);
        router.post("/edit/preview").handler(body).handler(secure).handler(this::preview);
        router.post("/edit/convert").handler(body).handler(secure).handler(this::convert);
        router.get("/ihpa/:namespace/:name/delete").handler(secure).handler(this::deletePage);
        router.post("/ihpa/:namespace/:name/delete").handler(body).handler(secure).handler(this::delete);
    }


    /** GETs of the editor need a session; anonymous readers are sent to the login page. */
    private boolean requireSession(RoutingContext ctx) {
        if (login.authenticator() != null && login.session(ctx) != null) {
            return true;
        }
        if (login.authenticator() == null) {
            login.refuse(ctx, new ConsoleLogin.Refusal(403, "Editing is disabled: this console runs without authentication and is read-only."));
        } else {
            ConsoleLogin.toLogin(ctx);
        }
        return false;
    }

    private void newPage(RoutingContext ctx) {
        if (!requireSession(ctx)) {
            return;
        }
        Editor e = new Editor();
        String ns = ctx.request().getParam("ns");
        e.form = IhpaForm.blank(ns == null ? "" : ns.trim());
        Console.html(ctx, 200, pages.editorPage(ctx, e));
    }

    private void editPage(RoutingContext ctx) {
        if (!requireSession(ctx)) {
            return;
        }
        ObjectKey key = new ObjectKey(ctx.pathParam("namespace"), ctx.pathParam("name"));
        GenericKubernetesResource raw = model.rawIhpa(key);
        if (raw == null) {
            login.refuse(ctx, new ConsoleLogin.Refusal(404, "No IHPA " + key.namespace() + "/" + key.name() + "."));
            return;
        }
        Editor e = new Editor();
        e.create = false;
        e.origNamespace = key.namespace();
        e.origName = key.name();
        e.resourceVersion = raw.getMetadata().getResourceVersion();
        e.yaml = input.yamlOf(raw);
        try {
            IntelligentHorizontalPodAutoscaler ihpa = KubeObjects.convert(model.serialization(), raw, IntelligentHorizontalPodAutoscaler.class);
            String why = IhpaForm.unsupported(ihpa);
            if (why == null) {
                e.form = IhpaForm.of(ihpa);
            } else {
                e.yamlView = true;
                e.notice = "The form cannot show " + why + ": edit this object as YAML.";
            }
        } catch (KubeObjects.InvalidObjectException x) {
            e.yamlView = true;
            e.notice = "The model cannot read this object (" + x.getMessage() + "): edit it as YAML.";
        }
        Console.html(ctx, 200, pages.editorPage(ctx, e));
    }

    // ---------------------------------------------------------------- save, preview, convert

    private void save(RoutingContext ctx) {
        login.authenticated(ctx, principal -> {
            Editor e = input.posted(ctx);
            IntelligentHorizontalPodAutoscaler ihpa = input.build(e);
            if (ihpa == null) {
                Console.html(ctx, 422, pages.editorPage(ctx, e));
                return;
            }
            String ns = ihpa.getMetadata().getNamespace();
            String name = ihpa.getMetadata().getName();
            String verb = e.create ? "create" : "update";
            login.mayWrite(principal, verb, ns)
                    .compose(p -> writer.save(e, ihpa))
                    .onSuccess(v -> ConsoleLogin.redirect(ctx, "/ihpa/" + Html.segment(ns) + "/" + Html.segment(name)))
                    .onFailure(x -> {
                        if (x instanceof ConsoleLogin.Refusal) {
                            login.refuse(ctx, x);
                            return;
                        }
                        int code = x instanceof KubernetesClientException k ? k.getCode() : 0;
                        e.problems.add(code == 409 && e.create ? "An IHPA " + ns + "/" + name + " already exists."
                                : code == 409 ? "The object changed since this page was opened: reload it and apply your change again."
                                : code == 404 ? "The object no longer exists."
                                : "The API refused the write: " + KubeObjects.shortMessage(x));
                        Console.html(ctx, code == 409 ? 409 : code == 404 ? 404 : 422, pages.editorPage(ctx, e));
                    });
        });
    }

    private void preview(RoutingContext ctx) {
        login.authenticated(ctx, principal -> {
            Editor e = input.posted(ctx);
            IntelligentHorizontalPodAutoscaler ihpa = input.build(e);
            Console.html(ctx, 200, pages.previewFragment(e, ihpa));
        });
    }

    private void convert(RoutingContext ctx) {
        login.authenticated(ctx, principal -> {
            Editor e = input.posted(ctx);
            boolean toYaml = "yaml".equals(ctx.request().getParam("to"));
            if (toYaml == e.yamlView) {
                Console.html(ctx, 200, pages.editorPage(ctx, e));
                return;
            }
            IntelligentHorizontalPodAutoscaler ihpa = input.build(e);
            if (ihpa == null) {
                e.notice = "Fix the errors before switching views.";
                Console.html(ctx, 422, pages.editorPage(ctx, e));
                return;
            }
            if (toYaml) {
                if (!e.create) {
                    // The form has no labels or annotations; the YAML view does, and saving it writes them back.
                    GenericKubernetesResource stored = model.rawIhpa(new ObjectKey(e.origNamespace, e.origName));
                    if (stored != null) {
                        ihpa.getMetadata().setLabels(stored.getMetadata().getLabels());
                        ihpa.getMetadata().setAnnotations(stored.getMetadata().getAnnotations());
                    }
                }
                e.yaml = input.yamlOf(ihpa);
                e.yamlView = true;
            } else {
                String why = IhpaForm.unsupported(ihpa);
                if (why != null) {
                    e.notice = "The form cannot show " + why + ": stay in the YAML view.";
                    Console.html(ctx, 422, pages.editorPage(ctx, e));
                    return;
                }
                e.form = IhpaForm.of(ihpa);
                e.form.set("resourceVersion", e.resourceVersion);
                e.yamlView = false;
            }
            Console.html(ctx, 200, pages.editorPage(ctx, e));
        });
    }

    // ---------------------------------------------------------------- delete

    private void deletePage(RoutingContext ctx) {
        if (!requireSession(ctx)) {
            return;
        }
        ObjectKey key = new ObjectKey(ctx.pathParam("namespace"), ctx.pathParam("name"));
        if (model.rawIhpa(key) == null) {
            login.refuse(ctx, new ConsoleLogin.Refusal(404, "No IHPA " + key.namespace() + "/" + key.name() + "."));
            return;
        }
        Console.html(ctx, 200, pages.deletePage(ctx, key, login.session(ctx).csrf()));
    }

    private void delete(RoutingContext ctx) {
        ObjectKey key = new ObjectKey(ctx.pathParam("namespace"), ctx.pathParam("name"));
        if (!KubeNames.isNamespace(key.namespace()) || !KubeNames.isDnsSubdomain(key.name())) {
            // path parameters arrive decoded: "..%2F.." would otherwise become segments of the API path
            login.refuse(ctx, new ConsoleLogin.Refusal(404, "No IHPA " + KubeNames.quote(key.namespace()) + "/" + KubeNames.quote(key.name()) + "."));
            return;
        }
        login.principal(ctx).compose(p -> login.mayWrite(p, "delete", key.namespace()))
                .compose(p -> writer.delete(key))
                .onSuccess(v -> ConsoleLogin.redirect(ctx, "/?ns=" + Html.segment(key.namespace())))
                .onFailure(x -> login.refuse(ctx, x instanceof ConsoleLogin.Refusal ? x : new ConsoleLogin.Refusal(502, "The API refused the delete: " + KubeObjects.shortMessage(x))));
    }
}
