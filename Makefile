.PHONY: demo test lint typecheck imports bench bench-redirect bench-points bench-poster bench-sync bench-reports console-shots clean

demo:  ## set up, load the demo brand into SQLite, serve at http://127.0.0.1:8000
	bash scripts/demo.sh

test:  ## set up, start PostgreSQL + Redis on loopback, run ruff, mypy and pytest
	bash scripts/test.sh

lint:
	.venv/bin/ruff check

typecheck:
	.venv/bin/mypy

imports:  ## the floors of docs/architecture.md: no import runs back up, no circles
	.venv/bin/lint-imports

bench: bench-redirect bench-points bench-poster bench-sync bench-reports  ## every benchmark

bench-redirect:  ## nginx `return 302` vs Yutang's redirect path, wrk, 100k links
	bash bench/redirect.sh

bench-points:  ## pgbench -N vs Yutang's points earn+redeem (service layer), same PostgreSQL
	bash bench/points.sh

bench-poster:  ## share-poster draw time vs the PNG-encode floor of its size
	bash bench/poster.sh

bench-sync:  ## the event store's sync vs DuckDB's bulk load of the same rows
	bash bench/sync.sh

bench-reports:  ## funnel and retention over 10M events vs one DuckDB scan-aggregate (and on chdb)
	bash bench/reports.sh

clean:
	rm -rf .venv .tools var bench/out

console-shots:  ## the console's main pages in a real browser, both languages → docs/img/console/
	bash scripts/console_shots.sh
