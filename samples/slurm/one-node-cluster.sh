#!/usr/bin/env bash
# Starts a one-node SLURM cluster on this machine (munged, slurmctld, slurmd), to try the samples in this folder on
# the real scheduler: array jobs, --dependency, requeue (preemption), signals. CI runs it (.ci/run) before the tests.
#
#   sudo samples/slurm/one-node-cluster.sh          # Debian/Ubuntu: apt-get install slurm-wlm munge first
#   sbatch --array=0-1 --cpus-per-task=1 --mem=1G --wait samples/slurm/train-folds.sbatch
#   sudo samples/slurm/one-node-cluster.sh stop
#
# The node offers every core of this machine (CPUs=$(nproc)) and its memory; cores and memory are consumable
# (select/cons_tres), so tasks asking for --cpus-per-task=1 --mem=1G run side by side. Processes are tracked without
# cgroups (proctrack/linuxproc, task/none), which works inside containers. Everything runs as root; state and logs go
# under $SLURM_ROOT (default /var/lib/clinicadl-slurm). Not a production setup: no accounting, no security hardening.
set -euo pipefail

ROOT=${SLURM_ROOT:-/var/lib/clinicadl-slurm}
CONF=/etc/slurm/slurm.conf

stop() {
  for pidfile in "$ROOT/slurmd.pid" "$ROOT/slurmctld.pid" "$ROOT/munged.pid"; do
    if [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then kill "$(cat "$pidfile")"; fi
  done
}

if [ "${1:-start}" = stop ]; then stop; exit 0; fi
[ "$(id -u)" = 0 ] || { echo "one-node-cluster.sh: run as root (it starts system daemons)" >&2; exit 2; }
for tool in munged slurmctld slurmd sinfo; do
  command -v "$tool" >/dev/null || { echo "one-node-cluster.sh: $tool not found; apt-get install slurm-wlm munge" >&2; exit 2; }
done

# Already up (an earlier call): nothing to do.
if sinfo -h -o %T 2>/dev/null | grep -Eq '^(idle|mixed|allocated)'; then echo "SLURM already running: $(sinfo -h -o '%N %c CPUs %m MB %T')"; exit 0; fi
stop

mkdir -p "$ROOT/state" "$ROOT/spool" "$ROOT/log" /etc/slurm /run/munge /var/lib/munge /var/log/munge
# munge authenticates every message between the commands and the daemons: one key for the whole (one-node) cluster.
if [ ! -s /etc/munge/munge.key ]; then
  mkdir -p /etc/munge
  dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
fi
chmod 0400 /etc/munge/munge.key
chown -R root:root /etc/munge /run/munge /var/lib/munge /var/log/munge 2>/dev/null || true
munged --force --pid-file="$ROOT/munged.pid" 2>/dev/null || munged --force

NODE=$(hostname -s)
MEMORY=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512 ))   # MB, leaving some to the system
cat > "$CONF" <<CONFIG
# Written by samples/slurm/one-node-cluster.sh: a one-node cluster for trying the ClinicaDL.NET samples.
ClusterName=clinicadl
SlurmctldHost=$NODE
AuthType=auth/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$ROOT/state
SlurmdSpoolDir=$ROOT/spool
SlurmctldPidFile=$ROOT/slurmctld.pid
SlurmdPidFile=$ROOT/slurmd.pid
SlurmctldLogFile=$ROOT/log/slurmctld.log
SlurmdLogFile=$ROOT/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
MpiDefault=none
ReturnToService=2
JobRequeue=1
KillWait=30
SchedulerParameters=bf_interval=1,sched_interval=1
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
NodeName=$NODE CPUs=$(nproc) RealMemory=$MEMORY State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONFIG

slurmctld -c            # -c: a clean start (no jobs from an earlier cluster)
slurmd
# Wait for the node to register.
for _ in $(seq 1 60); do
  if sinfo -h -o %T 2>/dev/null | grep -Eq '^(idle|mixed|allocated)'; then
    echo "SLURM running: $(sinfo -h -o '%N %c CPUs %m MB %T')"
    exit 0
  fi
  sleep 1
done
echo "one-node-cluster.sh: the node did not come up; see $ROOT/log/" >&2
sinfo >&2 || true
exit 1
