package io.kapacitystack.kapacity.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The production classes keep the layer rules of docs/architecture.md. */
class LayerRulesTest {

    private static JavaClasses production;

    @BeforeAll
    static void importProductionClasses() {
        production = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(LayerRules.ROOT);
        // a rule over no classes would pass vacuously: the planners and the packages the rules name must be there
        for (String planner : LayerRules.PLANNERS) {
            assertTrue(production.stream().anyMatch(c -> c.getSimpleName().equals(planner) && LayerRules.A_PLANNER.test(c)),
                    planner + " is among the imported planners");
        }
        assertTrue(production.containPackage(LayerRules.ROOT + ".app"), "the app package is imported");
        assertTrue(production.containPackage(LayerRules.ROOT + ".console"), "the console package is imported");
        assertTrue(production.containPackage(LayerRules.ROOT + ".gocompat"), "the gocompat package is imported");
    }

    @Test
    void plannersImportNeitherVertxNorTheClientNorTheExecutor() {
        LayerRules.PLANNERS_ARE_PURE.check(production);
    }

    @Test
    void onlyMainImportsTheEntryPoints() {
        LayerRules.ONLY_MAIN_USES_THE_ENTRY_POINTS.check(production);
    }

    @Test
    void consoleAndWebhookDoNotImportTheManager() {
        LayerRules.CONSOLE_AND_WEBHOOK_DO_NOT_USE_THE_MANAGER.check(production);
    }

    @Test
    void goCompatibilityImportsNothingOfTheProject() {
        LayerRules.GO_COMPATIBILITY_IS_THE_GROUND_FLOOR.check(production);
    }
}
