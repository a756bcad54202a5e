package ai.oxbow.pipeline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

/** README's option tables are the declarations' rendering: edit an option, run scripts/readme-options.sh. */
class OptionTablesTest {
    @Test
    void readmeTablesMatchTheDeclarations() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        assertEquals(OptionTables.rewrite(readme), readme, "README's option tables are stale: run"
                + " scripts/readme-options.sh");
    }
}
