package ai.oxbow.pipeline.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The option tables of docs/cli.md are the declarations' rendering: edit an option, run
 * scripts/readme-options.sh.
 */
class OptionTablesTest {
    static final Path CLI_PAGE = Path.of("..", "docs", "cli.md");

    @Test
    void cliPageTablesMatchTheDeclarations() throws Exception {
        String page = Files.readString(CLI_PAGE);
        assertEquals(
                OptionTables.rewrite(page),
                page,
                "the option tables of docs/cli.md are stale: run" + " scripts/readme-options.sh");
    }
}
