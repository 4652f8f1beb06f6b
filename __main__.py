"""Pulumi's entry point: `pulumi preview` / `pulumi up` run this from the project directory."""

from pathlib import Path

from components.program import main

main(Path(__file__).resolve().parent)
