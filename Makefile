# MobilityCorp fleet stream processor. `make run` to try it, `make test` to check it.
MVN ?= mvn -B
SHELL := /bin/bash

.PHONY: build test run classpaths clean clean-local help

help:
	@echo "make run    - start Kafka + PostgreSQL + simulated fleet + the job on FlinkRunner (Ctrl-C stops)"
	@echo "make test   - unit tests (DirectRunner + TestStream) and integration tests (real Kafka, FlinkRunner)"
	@echo "make build  - compile and install the modules without tests"
	@echo "make clean  - remove build output; make clean-local removes .local (stack data, logs)"

build:
	$(MVN) -q install -DskipTests

test:
	$(MVN) install

classpaths: build
	cd testing && $(MVN) -q dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
	cd pipelines && $(MVN) -q dependency:build-classpath -Dmdep.outputFile=target/classpath.txt

run: classpaths
	testing/scripts/run-local.sh

clean:
	$(MVN) -q clean

clean-local:
	rm -rf .local
