#!/usr/bin/env bash
# `make run`: starts the local stack (real Kafka broker + PostgreSQL), a simulated fleet and the
# stream processor on FlinkRunner (embedded Flink), and prints the job's progress. Ctrl-C stops
# everything. Settings come from the environment (see the Makefile / README).
set -euo pipefail
cd "$(dirname "$0")/../.."

WORK_DIR=${WORK_DIR:-.local}
KAFKA_PORT=${KAFKA_PORT:-19092}
POSTGRES_PORT=${POSTGRES_PORT:-15432}
VEHICLES=${VEHICLES:-5000}
LOCATIONS=${LOCATIONS:-40}
SEED=${SEED:-42}
BACKFILL_MINUTES=${BACKFILL_MINUTES:-60}  # the simulated fleet starts this far in the past ...
SPEED=${SPEED:-1000}           # ... sends that history this many times faster than real time, then runs live
PARALLELISM=${PARALLELISM:-2}
CHECKPOINT_MS=${CHECKPOINT_MS:-2000}  # Kafka output becomes visible (committed) with each checkpoint
JOB_ARGS=${JOB_ARGS:-}

JVM_OPENS=$(sed -n 's:.*<flink.jvm.opens>\(.*\)</flink.jvm.opens>.*:\1:p' pom.xml)
TESTING_CP="testing/target/classes:$(cat testing/target/classpath.txt)"
PIPELINE_CP="pipelines/target/classes:$(cat pipelines/target/classpath.txt)"
LOGS="$WORK_DIR/logs"
mkdir -p "$LOGS"

pids=()
stop_all() {
  trap - EXIT INT TERM
  echo "Stopping simulator and local stack..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "Stopped. Logs and data are in $WORK_DIR (make clean-local removes them)."
}
trap stop_all EXIT INT TERM

echo "Starting Kafka (127.0.0.1:$KAFKA_PORT) and PostgreSQL (127.0.0.1:$POSTGRES_PORT)..."
rm -f "$WORK_DIR/stack/stack.properties"
java -cp "$TESTING_CP" com.mobilitycorp.fleet.testing.stack.LocalStack \
  --work-dir="$WORK_DIR/stack" --kafka-port="$KAFKA_PORT" --postgres-port="$POSTGRES_PORT" \
  > "$LOGS/stack.log" 2>&1 &
stack_pid=$!
pids+=("$stack_pid")
# The stack writes stack.properties once Kafka and PostgreSQL accept connections.
for _ in $(seq 1 120); do
  [ -f "$WORK_DIR/stack/stack.properties" ] && break
  kill -0 "$stack_pid" 2>/dev/null || { echo "Local stack failed:"; tail -20 "$LOGS/stack.log"; exit 1; }
  sleep 0.5
done
[ -f "$WORK_DIR/stack/stack.properties" ] || { echo "Local stack did not start in 60 s"; tail -20 "$LOGS/stack.log"; exit 1; }
grep "ready" "$LOGS/stack.log" || true
jdbc_url=$(sed -n 's/^jdbc.url=//p' "$WORK_DIR/stack/stack.properties")

echo "Starting the simulated fleet: $VEHICLES vehicles, $LOCATIONS zones, from $BACKFILL_MINUTES min ago at ${SPEED}x until live (log: $LOGS/simulator.log)..."
start=$(date -u -d "@$(( $(date +%s) - BACKFILL_MINUTES * 60 ))" +%Y-%m-%dT%H:%M:%SZ)
java -cp "$TESTING_CP" com.mobilitycorp.fleet.testing.simulator.FleetSimulatorCli \
  --bootstrap-servers="127.0.0.1:$KAFKA_PORT" --jdbc-url="$jdbc_url" --jdbc-user=postgres --jdbc-password=postgres \
  --vehicles="$VEHICLES" --locations="$LOCATIONS" --seed="$SEED" --start="$start" --speed="$SPEED" \
  > "$LOGS/simulator.log" 2>&1 &
sim_pid=$!
pids+=("$sim_pid")
# The job starts once the history is in Kafka. Started earlier, it could find a bookings
# partition momentarily drained while history is still being written: the Kafka source then
# advances that partition's watermark to now - 5 min (right for live traffic), and every
# windowed stage would see the rest of the history as too late.
for _ in $(seq 1 600); do
  grep -q "caught up with the present" "$LOGS/simulator.log" && break
  kill -0 "$sim_pid" 2>/dev/null || { echo "Simulator failed:"; tail -20 "$LOGS/simulator.log"; exit 1; }
  sleep 0.5
done
grep "caught up with the present" "$LOGS/simulator.log" \
  || { echo "Simulator did not catch up in 5 min (lower BACKFILL_MINUTES or raise SPEED)"; exit 1; }

# This job starts from scratch, so its exactly-once sinks get a transactional identity of their own:
# KafkaIO refuses to reuse one that earlier runs committed with (Kafka keeps that data here).
sink_group="fleet-local-$(date +%s)"
checkpoints="$(cd "$WORK_DIR" && pwd)/checkpoints"
echo "Starting the stream processor on FlinkRunner (parallelism $PARALLELISM, RocksDB state, checkpoint every $CHECKPOINT_MS ms to $checkpoints); progress every 5 s. Ctrl-C stops everything."
# shellcheck disable=SC2086
java $JVM_OPENS -Xmx3g -cp "$PIPELINE_CP" com.mobilitycorp.fleet.pipelines.FleetStreamProcessor \
  --runner=FlinkRunner --flinkMaster='[local]' --flinkConfDir=flink-conf/local --attachedMode=false \
  --parallelism="$PARALLELISM" --checkpointingInterval="$CHECKPOINT_MS" \
  --stateBackend=rocksdb --stateBackendStoragePath="file://$checkpoints" --sinkGroupId="$sink_group" \
  --bootstrapServers="127.0.0.1:$KAFKA_PORT" --jdbcUrl="$jdbc_url" \
  --progressIntervalSeconds=5 $JOB_ARGS 2> "$LOGS/job.log" || true
