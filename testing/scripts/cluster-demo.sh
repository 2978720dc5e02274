#!/usr/bin/env bash
# `make cluster-demo`: the job on a real Flink session cluster instead of embedded Flink. Starts
# the local stack (Kafka + PostgreSQL) and a simulated fleet as `make run` does, then
# ClusterDemo: a standalone Flink 1.19 cluster (1 JobManager + 2 TaskManagers, separate JVMs,
# config derived from flink-conf/cluster/flink-conf.yaml), `flink run -d -p 4` of the job jar,
# progress, `flink savepoint`, `flink cancel`, `flink run -s <savepoint>` and checks that the
# restored job continues from the savepoint. Exits non-zero on a failure; stops everything on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."

WORK_DIR=${WORK_DIR:-.local}
KAFKA_PORT=${KAFKA_PORT:-19092}
POSTGRES_PORT=${POSTGRES_PORT:-15432}
FLINK_REST_PORT=${FLINK_REST_PORT:-18081}
VEHICLES=${VEHICLES:-1000}
LOCATIONS=${LOCATIONS:-20}
SEED=${SEED:-42}
BACKFILL_MINUTES=${BACKFILL_MINUTES:-20}
SPEED=${SPEED:-1000}
PARALLELISM=${PARALLELISM:-4}
OBSERVE_SECONDS=${OBSERVE_SECONDS:-30}
JOB_ARGS=${JOB_ARGS:-}
# A fresh job gets an exactly-once sink identity of its own (Kafka keeps earlier demos' state in
# WORK_DIR); the resubmission from the savepoint reuses it.
sink_group="fleet-demo-$(date +%s)"

TESTING_CP="testing/target/classes:$(cat testing/target/classpath.txt)"
JOB_JAR=$(ls pipelines/target/fleet-pipelines-*-job.jar)
LOGS="$WORK_DIR/logs"
mkdir -p "$LOGS"

pids=()
stop_all() {
  trap - EXIT INT TERM
  echo "Stopping the demo, the simulator and the local stack..."
  # Reverse order: the demo (and with it the Flink cluster) first, the stack last.
  for (( i=${#pids[@]}-1; i>=0; i-- )); do kill -TERM "${pids[$i]}" 2>/dev/null || true; wait "${pids[$i]}" 2>/dev/null || true; done
  echo "Stopped. Logs: $LOGS, Flink's in $WORK_DIR/flink/logs (make clean-local removes them)."
}
trap stop_all EXIT INT TERM

echo "Starting Kafka (127.0.0.1:$KAFKA_PORT) and PostgreSQL (127.0.0.1:$POSTGRES_PORT)..."
rm -f "$WORK_DIR/stack/stack.properties"
java -cp "$TESTING_CP" com.mobilitycorp.fleet.testing.stack.LocalStack \
  --work-dir="$WORK_DIR/stack" --kafka-port="$KAFKA_PORT" --postgres-port="$POSTGRES_PORT" \
  > "$LOGS/stack.log" 2>&1 &
stack_pid=$!
pids+=("$stack_pid")
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
# As in run-local.sh: the job starts once the history is in Kafka (watermarks, see there).
for _ in $(seq 1 600); do
  grep -q "caught up with the present" "$LOGS/simulator.log" && break
  kill -0 "$sim_pid" 2>/dev/null || { echo "Simulator failed:"; tail -20 "$LOGS/simulator.log"; exit 1; }
  sleep 0.5
done
grep "caught up with the present" "$LOGS/simulator.log" \
  || { echo "Simulator did not catch up in 5 min (lower BACKFILL_MINUTES or raise SPEED)"; exit 1; }

# The demo runs in the background so the trap can stop it; its exit code is the script's.
# shellcheck disable=SC2086
java -cp "$TESTING_CP" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  com.mobilitycorp.fleet.testing.stack.ClusterDemo \
  --job-jar="$JOB_JAR" --bootstrap-servers="127.0.0.1:$KAFKA_PORT" --jdbc-url="$jdbc_url" \
  --work-dir="$WORK_DIR/flink" --classpath-file=flink-cluster/target/classpath.txt \
  --config=flink-conf/cluster/flink-conf.yaml --rest-port="$FLINK_REST_PORT" \
  --parallelism="$PARALLELISM" --observe-seconds="$OBSERVE_SECONDS" -- --sinkGroupId="$sink_group" $JOB_ARGS &
demo_pid=$!
pids+=("$demo_pid")
status=0
wait "$demo_pid" || status=$?
exit "$status"
