import sys

from dagster_project.generator.cli import main

sys.exit(main())
