# Entry points; each target calls a script in tools/ or benchmarks/.
.PHONY: demo test bench pot

demo:  ## Build (or reuse) the Thai demo database and serve it on http://localhost:8069
	bash tools/demo.sh

test:  ## Run every test: plain pytest, then the Odoo tests on a fresh database
	bash tools/run_tests.sh

bench:  ## Time the recurring invoicing job on scratch databases
	bash benchmarks/run.sh

pot:  ## Export the add-on's translation template
	bash tools/export_pot.sh
