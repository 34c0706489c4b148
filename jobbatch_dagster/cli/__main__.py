from jobbatch_dagster.cli import main

main()
