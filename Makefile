# MobilityCorp fleet stream processor. `make run` to try it, `make test` to check it.
MVN ?= mvn -B
SHELL := /bin/bash

.PHONY: build package test fault-test run cluster-demo bench benchmarks-md classpaths clean clean-local help

help:
	@echo "make run    - start Kafka + PostgreSQL + simulated fleet + the job on FlinkRunner (Ctrl-C stops)"
	@echo "make package      - the job jar for Flink clusters: pipelines/target/fleet-pipelines-*-job.jar"
	@echo "make cluster-demo - the job on a local Flink session cluster: submit, savepoint, cancel, restore"
	@echo "make test   - unit tests (DirectRunner + TestStream) and integration tests (real Kafka, FlinkRunner)"
	@echo "make fault-test - SIGKILL the job 3x, restart the broker, stop PostgreSQL; outputs must equal a failure-free run"
	@echo "make bench  - benchmarks (real Kafka, PostgreSQL, FlinkRunner); results in bench/results/ (.md, .json)"
	@echo "make build  - compile and install the modules without tests"
	@echo "make clean  - remove build output; make clean-local removes .local (stack data, logs)"

build:
	$(MVN) -q install -DskipTests

test:
	$(MVN) install

# The fault-injection test (SIGKILLs, broker restart, database outage; ~22 min), on its own so
# that make test stays well under 30 minutes. .ci/run runs both.
fault-test: build
	cd pipelines && $(MVN) verify -Dit.test=FaultInjectionIT -Dtest=NONE \
	  -Dsurefire.failIfNoSpecifiedTests=false $(FAULT_ARGS)

# One shaded job jar for `flink run` (pipelines' package phase builds it; Flink itself is provided by
# the cluster), plus the flink-cluster classpath the local session cluster starts from.
package:
	$(MVN) -q package -DskipTests

classpaths: build
	cd testing && $(MVN) -q dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
	cd pipelines && $(MVN) -q dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
	cd bench && $(MVN) -q dependency:build-classpath -Dmdep.outputFile=target/classpath.txt

run: classpaths
	testing/scripts/run-local.sh

cluster-demo: classpaths
	testing/scripts/cluster-demo.sh

# Benchmarks are mains, not tests: they measure, and write Markdown (and JSON) to bench/results/.
JVM_OPENS = $(shell sed -n 's:.*<flink.jvm.opens>\(.*\)</flink.jvm.opens>.*:\1:p' pom.xml)
BENCH_ARGS ?=
bench: classpaths
	mkdir -p bench/results
	java $(JVM_OPENS) -Xmx1g \
	  -cp "bench/target/classes:$$(cat bench/target/classpath.txt)" \
	  com.mobilitycorp.fleet.bench.RawKafkaCeilingBench \
	  --events=300000 --runs=3 --out=bench/results/raw-kafka-ceiling.json
	# Reads the ceiling just written (same input, same machine) for its ratios.
	java $(JVM_OPENS) -Xmx1g \
	  -cp "bench/target/classes:$$(cat bench/target/classpath.txt)" \
	  com.mobilitycorp.fleet.bench.FullTopologyThroughputBench \
	  --events=300000 --runs=3 --runner=both --state-backend=rocksdb --checkpoint-interval-ms=2000 \
	  --ceiling=bench/results/raw-kafka-ceiling.json --out=bench/results/throughput.json
	# 3g: the bench simulates a million vehicles before the runs (each run is a JVM of its own).
	java $(JVM_OPENS) -Xmx3g \
	  -cp "bench/target/classes:$$(cat bench/target/classpath.txt)" \
	  com.mobilitycorp.fleet.bench.StateScaleBench \
	  --vehicles=10000,100000,1000000 --runs=3 --stages=keyed --out=bench/results/state-scale.json
	java -cp "testing/target/classes:$$(cat testing/target/classpath.txt)" \
	  com.mobilitycorp.fleet.testing.readmodel.ReadModelQueryBench \
	  --rows=100000 --out=bench/results/read-model-queries.md
	# Latency at 1k/5k/20k events/s (checkpoints 1 s) and at checkpoints of 250 ms/1 s/5 s at
	# 300 events/s (a rate this 2-core machine keeps up with: the trade-off is not visible in a
	# growing backlog), 3 runs each, every run in a JVM of its own (-Xmx3g). Pass job options with
	# BENCH_ARGS="--job-options=--maxBundleTimeMills=100".
	java $(JVM_OPENS) -Xmx1g \
	  -cp "bench/target/classes:$$(cat bench/target/classpath.txt)" \
	  com.mobilitycorp.fleet.bench.LatencySweepBench \
	  --rates=1000,5000,20000 --checkpoint-interval-ms=1000 --intervals=250,1000,5000 \
	  --intervals-rate=300 --runs=3 \
	  --out=bench/results/latency.json $(BENCH_ARGS)
	java $(JVM_OPENS) -Xmx1g \
	  -cp "bench/target/classes:$$(cat bench/target/classpath.txt)" \
	  com.mobilitycorp.fleet.bench.BeamQueriesBench \
	  --events=300000 --runs=3 --out=bench/results/beam-vs-native-sql.json
	$(MAKE) --no-print-directory benchmarks-md

# BENCHMARKS.md: the summaries the benches just wrote (each with median/min/max and the command
# that reproduces it), in one file, with when and where they were measured.
BENCH_REPORTS = raw-kafka-ceiling throughput state-scale latency beam-vs-native-sql read-model-queries
benchmarks-md:
	{ echo "# Benchmarks"; echo; \
	  echo "Collected by \`make benchmarks-md\` (the last step of \`make bench\`) on $$(hostname),"; \
	  echo "$$(nproc) cores, $$(date -u +%Y-%m-%dT%H:%MZ). Each section is one bench's latest result with the"; \
	  echo "command that reproduces it (and, where the bench records it, when it was measured); the raw"; \
	  echo "results are in \`bench/results/\` (JSON, Markdown)."; \
	  for r in $(BENCH_REPORTS); do \
	    if [ -f bench/results/$$r.md ]; then echo; sed 's/^#/##/' bench/results/$$r.md; \
	    else echo; echo "## $$r"; echo; echo "Not measured in this run (no bench/results/$$r.md)."; fi; \
	  done; } > BENCHMARKS.md
	@echo "wrote BENCHMARKS.md"

clean:
	$(MVN) -q clean

clean-local:
	rm -rf .local
