# The two commands a newcomer runs (see README.md). Both set everything up first.
.PHONY: setup study test lint bench results results-finetune weak-gap

BENCHMARK := runs/benchmark
BENCHMARK_FINETUNE := runs/benchmark-finetune
WEAK_GAP := runs/weak_gap
# The fine-tune tier joins the page once its sweep folder exists (make results-finetune).
RESULTS = .venv/bin/w2sg results --sweeps $(BENCHMARK) --out docs/results.md \
	--report $(BENCHMARK)/results.html \
	$$(test -f $(BENCHMARK_FINETUNE)/manifest.json && echo --finetune $(BENCHMARK_FINETUNE)) \
	$$(test -f $(WEAK_GAP)/gaps.json && echo --gaps $(WEAK_GAP)/gaps.json)

setup:
	bash scripts/setup.sh

study: setup
	.venv/bin/w2sg run --out runs/default

# The offline benchmark (docs/results.md, generated): the probe tier's sweep, then the page and
# the report. A killed run resumes; a rerun with every cell done only rewrites the page. Both
# commands print the times: the sweep its own run, w2sg results each tier's cold and cached time.
# Failed cells (exit status 1) still let the page be written: it counts them.
results: setup
	.venv/bin/w2sg sweep configs/benchmark.yaml --out $(BENCHMARK) || test $$? -eq 1
	$(RESULTS)

# The val-only scan that chose each task's weak model (configs/benchmark.yaml names the
# choices); once its folder exists, the page shows the rows behind every choice.
weak-gap: setup
	.venv/bin/w2sg gap configs/weak_gap.yaml --out $(WEAK_GAP)

# The fine-tune tier (claim c, hours on 2 cores), then the page again with both tiers. Before
# `make results` has run the probe tier, the page waits for it (it writes both tiers).
results-finetune: setup
	.venv/bin/w2sg sweep configs/benchmark-finetune.yaml --out $(BENCHMARK_FINETUNE) || test $$? -eq 1
	if test -f $(BENCHMARK)/manifest.json; then $(RESULTS); else \
	  echo "fine-tune tier done; run 'make results' for the probe tier and the page with both"; fi

test: setup
	.venv/bin/python -m pytest -q

lint:
	.venv/bin/ruff check src tests bench
	.venv/bin/ruff format --check src tests bench
	.venv/bin/mypy

bench:
	.venv/bin/python bench/changepoint.py
	.venv/bin/python bench/detect.py
	.venv/bin/python bench/extract.py
