#!/usr/bin/env bash
# Rewrites README's option tables from the option declarations (pipeline/.../cli/Option.java users);
# OptionTablesTest fails when they differ. Build first (mvn -q -DskipTests package).
set -euo pipefail
cd "$(dirname "$0")/.."
java -cp pipeline/target/oxbow.jar ai.oxbow.pipeline.cli.OptionTables README.md
