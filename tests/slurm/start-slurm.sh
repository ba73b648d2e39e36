#!/usr/bin/env bash
# Starts a private one-node Slurm cluster (slurmctld + slurmd on loopback, munge authentication)
# with all of its state under DIR, and waits until the node is idle. Installs slurm-wlm and munge
# (deps/debian-slurm.txt) when missing. Prints the path of the slurm.conf to export as SLURM_CONF.
# Stop it with tests/slurm/stop-slurm.sh DIR. Needs root (or password-less sudo): slurmd runs jobs.
# Usage: start-slurm.sh DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dir=$(mkdir -p "$1" && cd "$1" && pwd)
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo -n)
log() { echo "start-slurm: $*" >&2; }

"$root/scripts/install-debian-deps.sh" "$root/deps/debian-slurm.txt" >&2

# munge: one daemon per machine; reuse a running one.
if ! echo ping | munge 2>/dev/null | unmunge >/dev/null 2>&1; then
  "${sudo_cmd[@]}" mkdir -p /run/munge /var/log/munge /var/lib/munge
  "${sudo_cmd[@]}" chown munge:munge /run/munge /var/log/munge /var/lib/munge
  [ -f /etc/munge/munge.key ] || "${sudo_cmd[@]}" mungekey -c -k /etc/munge/munge.key
  "${sudo_cmd[@]}" chown munge:munge /etc/munge/munge.key
  "${sudo_cmd[@]}" chmod 400 /etc/munge/munge.key
  "${sudo_cmd[@]}" su -s /bin/sh munge -c "munged --force" 2>/dev/null || true
  for _ in $(seq 1 50); do
    echo ping | munge 2>/dev/null | unmunge >/dev/null 2>&1 && break
    sleep 0.1
  done
  echo ping | munge | unmunge >/dev/null || { log "munged did not start"; exit 1; }
  touch "$dir/started-munged"  # stop-slurm.sh stops only what this script started
fi

# Two free ports for slurmctld and slurmd.
read -r ctld_port slurmd_port < <(python3 - <<'PY'
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])
PY
)
host=$(hostname -s)
cpus=$(nproc)
mem_mb=$(awk '/MemTotal/ {print int($2 / 1024 * 0.8)}' /proc/meminfo)
mkdir -p "$dir/state" "$dir/spool" "$dir/log"
cat > "$dir/slurm.conf" <<CONF
ClusterName=longtail-test
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
# Quick turnaround for a test cluster: schedule and notice ended jobs at once.
SchedulerParameters=sched_interval=1
MinJobAge=600
KillWait=5
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$dir/slurm.conf
"${sudo_cmd[@]}" slurmctld -f "$SLURM_CONF"
"${sudo_cmd[@]}" slurmd -f "$SLURM_CONF"
for _ in $(seq 1 150); do
  state=$(sinfo -h -o %T 2>/dev/null || true)
  [ "$state" = idle ] && break
  sleep 0.2
done
if [ "$state" != idle ]; then
  log "the node did not become idle (state: ${state:-none}); logs in $dir/log"
  tail -5 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 || true
  exit 1
fi
echo "$SLURM_CONF"
