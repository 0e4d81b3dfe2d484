"""`python -m dagster_project.cli`: the `finops` command."""

from dagster_project.cli import main

main()
