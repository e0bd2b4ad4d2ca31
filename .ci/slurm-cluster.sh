#!/usr/bin/env bash
# A real single-node SLURM cluster from Debian's packages, for CI (root, no systemd):
#   .ci/slurm-cluster.sh start   install munge + SLURM, write slurm.conf, start the daemons
#   .ci/slurm-cluster.sh stop    stop the daemons by the PIDs in their pid files
# Facts behind the settings: ../shared/docs/slurm-single-node.md. No accounting database: the
# executor plugin is told to poll squeue, which sees finished jobs for MinJobAge seconds.
set -euo pipefail

STATE=${SLURM_CI_STATE:-/var/tmp/slurm-ci}
CONF=/etc/slurm/slurm.conf
MARKER="# written by hif-prognosis .ci/slurm-cluster.sh"
MUNGED_PID=/run/munge/munged.pid  # a directory munged (user munge) may write to
PIDS=("$STATE/slurmd.pid" "$STATE/slurmctld.pid" "$MUNGED_PID")  # stop order

start() {
  if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      munge slurmctld slurmd slurm-client >/dev/null
  fi
  if [ -e "$CONF" ] && ! grep -qF "$MARKER" "$CONF"; then
    echo "$CONF exists and was not written by this script: not touching a real cluster" >&2
    exit 1
  fi
  mkdir -p "$STATE"/{ctld,d,log} /run/munge /var/log/munge /var/lib/munge
  if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  fi
  chown munge:munge /etc/munge/munge.key /run/munge /var/log/munge /var/lib/munge
  chmod 400 /etc/munge/munge.key
  runuser -u munge -- /usr/sbin/munged --pid-file="$MUNGED_PID" --force

  local cpus memory
  cpus=$(nproc)
  memory=$(free -m | awk '/^Mem:/ {print int($7 * 0.9)}')  # 90% of what is available
  cat > "$CONF" <<CONF
$MARKER
ClusterName=ci
SlurmctldHost=localhost
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1000
ReturnToService=2
MinJobAge=300
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
SchedulerType=sched/backfill
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
  /usr/sbin/slurmctld
  /usr/sbin/slurmd -N localhost
  for _ in $(seq 60); do
    if sinfo --noheader --states=idle --format=%N 2>/dev/null | grep -q localhost; then
      echo "SLURM up: $(sinfo --noheader --format='%P %D nodes, %c CPUs, %m MB, %t')"
      return 0
    fi
    sleep 1
  done
  echo "SLURM did not come up; slurmctld log:" >&2
  tail -n 30 "$STATE/log/slurmctld.log" "$STATE/log/slurmd.log" >&2 || true
  exit 1
}

stop() {
  local pidfile pid
  for pidfile in "${PIDS[@]}"; do
    [ -s "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    if kill "$pid" 2>/dev/null; then
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$pidfile"
  done
  echo "SLURM daemons stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
