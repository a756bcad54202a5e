#!/usr/bin/env bash
# Rewrites the option tables of docs/cli.md (between the "options" marker comments) from the option
# declarations (pipeline/.../cli/Option.java users); OptionTablesTest fails when they differ.
# Build first (mvn -q -DskipTests package).
set -euo pipefail
cd "$(dirname "$0")/.."
java -cp pipeline/target/oxbow.jar ai.oxbow.pipeline.cli.OptionTables docs/cli.md
