"""Pulumi entry point: `pulumi preview` / `pulumi up` run this."""

from components.program import main

main()
