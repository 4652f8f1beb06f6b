"""The component provider's entry point: serve polyaxon-storage's components to the Pulumi engine."""

from components.provider import main

main()
