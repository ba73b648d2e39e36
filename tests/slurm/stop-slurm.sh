#!/usr/bin/env bash
# Stops the cluster tests/slurm/start-slurm.sh started under DIR (by the PIDs in its PID files),
# and munged when that script started it.
# Usage: stop-slurm.sh DIR
set -uo pipefail
dir=$1
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo -n)
stop() {  # stop PIDFILE: SIGTERM, then SIGKILL after 5 s
  [ -f "$1" ] || return 0
  local pid
  pid=$(cat "$1")
  "${sudo_cmd[@]}" kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do
    "${sudo_cmd[@]}" kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  "${sudo_cmd[@]}" kill -9 "$pid" 2>/dev/null || true
}
stop "$dir/slurmd.pid"
stop "$dir/slurmctld.pid"
if [ -f "$dir/started-munged" ]; then
  stop /run/munge/munged.pid
  rm -f "$dir/started-munged"
fi
