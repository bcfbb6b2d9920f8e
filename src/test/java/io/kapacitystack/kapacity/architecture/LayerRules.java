package io.kapacitystack.kapacity.architecture;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.lang.ArchRule;

import java.util.Set;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The layer rules of docs/architecture.md ("Rules the code keeps") as ArchUnit rules; {@link LayerRulesTest} checks
 * them against the production classes, {@link LayerRulesCatchViolationsTest} shows each one reports a violation.
 */
final class LayerRules {

    static final String ROOT = "io.kapacitystack.kapacity";

    /** The pure decision classes by name; any class named *Planner joins them. Nested classes count as their outer class's. */
    static final Set<String> PLANNERS = Set.of("IhpaPlanner", "GrayPlanner", "PortraitSync", "ReplicaProfilePlanner",
            "HorizontalPortraitPlanner",
            "PodStateChange", "ReplicaCalculator", "BehaviorNormalizer", "BehaviorHistory", "HpaBehavior");

    static final DescribedPredicate<JavaClass> A_PLANNER = new DescribedPredicate<>(
            "planners (" + String.join(", ", PLANNERS.stream().sorted().toList()) + ", *Planner)") {
        @Override
        public boolean test(JavaClass c) {
            JavaClass outer = c;
            while (outer.getEnclosingClass().isPresent()) {
                outer = outer.getEnclosingClass().get();
            }
            String name = outer.getSimpleName();
            return !outer.getPackageName().startsWith("io.kapacitystack.kapacity.api")
                    && (PLANNERS.contains(name) || name.endsWith("Planner"));
        }
    };

    static final DescribedPredicate<JavaClass> IO_OF_THE_REACTOR_OR_THE_CLIENT =
            resideInAnyPackage("io.vertx..", "io.fabric8.kubernetes.client..")
                    .or(JavaClass.Predicates.equivalentTo(io.kapacitystack.kapacity.runtime.KubeExecutor.class))
                    .as("Vert.x, the fabric8 client or KubeExecutor");

    /** Planners return values; the I/O (Vert.x, the Kubernetes client, the executor) stays in the reconcilers. */
    static final ArchRule PLANNERS_ARE_PURE = noClasses().that(A_PLANNER)
            .should().dependOnClassesThat(IO_OF_THE_REACTOR_OR_THE_CLIENT)
            .because("planners are pure decisions; I/O happens at the edges (docs/architecture.md)");

    /** The entry points (commands and their options) sit on top: only Main starts them. */
    static final ArchRule ONLY_MAIN_USES_THE_ENTRY_POINTS = noClasses()
            .that().resideOutsideOfPackage(ROOT + ".app..")
            .and().doNotHaveFullyQualifiedName(ROOT + ".Main")
            .should().dependOnClassesThat(resideInAPackage(ROOT + ".app.."))
            .because("the app package wires everything together; nothing below may reach back up into it");

    /** The console and the webhook are wired by the entry points; they never reach into the manager. */
    static final ArchRule CONSOLE_AND_WEBHOOK_DO_NOT_USE_THE_MANAGER = noClasses()
            .that().resideInAnyPackage(ROOT + ".console..", ROOT + ".webhook..")
            .should().dependOnClassesThat(resideInAPackage(ROOT + ".manager.."))
            .because("the console reads the controllers through console.ControllerState; the webhook is independent");

    /** Go compatibility is the ground floor: it uses nothing of the project. */
    static final ArchRule GO_COMPATIBILITY_IS_THE_GROUND_FLOOR = noClasses()
            .that().resideInAPackage(ROOT + ".gocompat..")
            .should().dependOnClassesThat(resideInAPackage(ROOT + "..")
                    .and(DescribedPredicate.not(resideInAPackage(ROOT + ".gocompat.."))))
            .because("every package may use Go's durations and quoting, so they may use no package");

    private LayerRules() {
    }
}
