# The two commands a newcomer runs (see README.md). Both set everything up first.
.PHONY: setup study test lint bench

setup:
	bash scripts/setup.sh

study: setup
	.venv/bin/w2sg run --out runs/default

test: setup
	.venv/bin/python -m pytest -q

lint:
	.venv/bin/ruff check src tests bench
	.venv/bin/mypy

bench:
	.venv/bin/python bench/changepoint.py
	.venv/bin/python bench/detect.py
	.venv/bin/python bench/extract.py
