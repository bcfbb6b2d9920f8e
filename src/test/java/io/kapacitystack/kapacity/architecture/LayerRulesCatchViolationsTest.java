package io.kapacitystack.kapacity.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import io.kapacitystack.kapacity.architecture.fixture.PurePlanner;
import io.kapacitystack.kapacity.architecture.fixture.ReachesIntoTheApp;
import io.kapacitystack.kapacity.architecture.fixture.ViolatingPlanner;
import io.kapacitystack.kapacity.console.archfixture.ConsoleUsingTheManager;
import io.kapacitystack.kapacity.gocompat.archfixture.GoCompatUsingTheProject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each layer rule reports a small class that breaks it on purpose, and names the offending dependency. */
class LayerRulesCatchViolationsTest {

    private static String violations(ArchRule rule, Class<?>... classes) {
        JavaClasses imported = new ClassFileImporter().importClasses(classes);
        EvaluationResult result = rule.evaluate(imported);
        assertTrue(result.hasViolation(), () -> "the rule should report " + imported);
        return String.join("\n", result.getFailureReport().getDetails());
    }

    @Test
    void aPlannerUsingVertxOrTheExecutorIsReported() {
        String report = violations(LayerRules.PLANNERS_ARE_PURE, ViolatingPlanner.class, PurePlanner.class);
        assertTrue(report.contains(ViolatingPlanner.class.getName()) && report.contains("io.vertx.core.Future"), report);
        assertTrue(report.contains("io.kapacitystack.kapacity.runtime.KubeExecutor"), report);
        assertFalse(report.contains(PurePlanner.class.getName()), report);
    }

    @Test
    void aPurePlannerIsNotReported() {
        assertFalse(LayerRules.PLANNERS_ARE_PURE.evaluate(new ClassFileImporter().importClasses(PurePlanner.class))
                .hasViolation());
    }

    @Test
    void aClassBelowTheEntryPointsUsingThemIsReported() {
        String report = violations(LayerRules.ONLY_MAIN_USES_THE_ENTRY_POINTS, ReachesIntoTheApp.class);
        assertTrue(report.contains(ReachesIntoTheApp.class.getName())
                && report.contains("io.kapacitystack.kapacity.app.ManagerOptions"), report);
    }

    @Test
    void theConsoleUsingTheManagerIsReported() {
        String report = violations(LayerRules.CONSOLE_AND_WEBHOOK_DO_NOT_USE_THE_MANAGER, ConsoleUsingTheManager.class);
        assertTrue(report.contains("io.kapacitystack.kapacity.manager.ControllerManager"), report);
    }

    @Test
    void goCompatibilityUsingTheProjectIsReported() {
        String report = violations(LayerRules.GO_COMPATIBILITY_IS_THE_GROUND_FLOOR, GoCompatUsingTheProject.class);
        assertTrue(report.contains("io.kapacitystack.kapacity.runtime.ObjectKey"), report);
    }
}
