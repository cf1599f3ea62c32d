#!/usr/bin/env bash
# A real Slurm cluster of N nodes (default 2) on this one host, for the `bench cluster` tests and demos:
# munged, slurmctld and one slurmd per node (`slurmd -N nodeI`), all pointing at 127.0.0.1. Debian
# bookworm's packages (Slurm 22.05) start without systemd; they are installed when missing and this
# runs as root. Config, state and logs live in $H100E_SLURM_DIR (default .slurm/ in the repository,
# git-ignored), so nothing under /etc is touched apart from what the packages install.
#
#   bench/cluster/slurm-local.sh start [NODES]   start (or keep) the cluster; prints the env to export
#   bench/cluster/slurm-local.sh stop            stop the daemons this script started
#   bench/cluster/slurm-local.sh status          exit 0 when the controller answers and nodes are up
#   bench/cluster/slurm-local.sh env             the SLURM_CONF line to export
#
# Why these settings: SlurmUser=root and proctrack/linuxproc + task/none need no cgroups or systemd;
# config_overrides lets every slurmd claim the node's CPUs/memory as written; no accounting, so
# `sacct` is unavailable (the tool uses squeue and scontrol show job).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
dir=${H100E_SLURM_DIR:-$repo/.slurm}
conf=$dir/slurm.conf
cmd=${1:-status}
nodes=${2:-2}

log() { echo "slurm-local: $*" >&2; }

ensure_packages() {
  local missing=()
  for bin in slurmctld slurmd sbatch munged; do
    command -v "$bin" >/dev/null 2>&1 || [ -x "/usr/sbin/$bin" ] || missing+=("$bin")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    log "missing ${missing[*]}; install slurmctld slurmd slurm-client munge (apt) or run as root"
    return 1
  fi
  log "installing slurmctld slurmd slurm-client munge"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurmctld slurmd slurm-client munge >/dev/null
}

write_conf() {
  local host cpus mem
  host=$(hostname -s)
  # Each node claims at most 2 CPUs: the test nodes share this host's cores.
  cpus=$(nproc); [ "$cpus" -gt 2 ] && cpus=2
  mem=1024
  mkdir -p "$dir/spool" "$dir/log" "$dir/run" "$dir/state"
  {
    echo "ClusterName=h100e-local"
    echo "SlurmctldHost=$host(127.0.0.1)"
    echo "SlurmUser=root"
    echo "SlurmctldPort=${H100E_SLURM_PORT:-6817}"
    echo "AuthType=auth/munge"
    echo "ProctrackType=proctrack/linuxproc"
    echo "TaskPlugin=task/none"
    echo "SelectType=select/cons_tres"
    echo "SelectTypeParameters=CR_Core"
    echo "MpiDefault=none"
    echo "MailProg=/bin/true"
    echo "AccountingStorageType=accounting_storage/none"
    echo "JobAcctGatherType=jobacct_gather/none"
    echo "SlurmdParameters=config_overrides"
    echo "SchedulerParameters=sched_min_interval=0,batch_sched_delay=0"
    echo "ReturnToService=2"
    echo "StateSaveLocation=$dir/state"
    echo "SlurmdSpoolDir=$dir/spool/%n"
    echo "SlurmctldPidFile=$dir/run/slurmctld.pid"
    echo "SlurmdPidFile=$dir/run/slurmd-%n.pid"
    echo "SlurmctldLogFile=$dir/log/slurmctld.log"
    echo "SlurmdLogFile=$dir/log/slurmd-%n.log"
    echo "KillWait=10"
    for i in $(seq 1 "$nodes"); do
      echo "NodeName=node$i NodeHostname=$host NodeAddr=127.0.0.1 Port=$((17000 + i)) CPUs=$cpus RealMemory=$mem State=UNKNOWN"
    done
    echo "PartitionName=debug Nodes=node[1-$nodes] Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES"
  } >"$conf"
}

controller_up() { SLURM_CONF=$conf scontrol ping 2>/dev/null | grep -q 'is UP'; }

nodes_up() {
  # Every node idle, mixed or allocated (not down, drained or unknown).
  local states
  states=$(SLURM_CONF=$conf sinfo -h -N -o '%T' 2>/dev/null) || return 1
  [ -n "$states" ] && ! grep -qvE '^(idle|mixed|allocated|completing)$' <<<"$states"
}

start() {
  ensure_packages
  if [ -f "$conf" ] && controller_up && nodes_up; then
    log "already running ($conf)"
    echo "export SLURM_CONF=$conf"
    return 0
  fi
  stop >/dev/null 2>&1 || true
  write_conf
  if ! pgrep -u munge -x munged >/dev/null 2>&1; then
    install -d -o munge -g munge /run/munge
    [ -s /etc/munge/munge.key ] || { /usr/sbin/mungekey -f 2>/dev/null || create-munge-key -f; chown munge:munge /etc/munge/munge.key; }
    runuser -u munge -- /usr/sbin/munged
  fi
  # -i ignores any saved state of an earlier cluster in $dir: the node list may have changed.
  SLURM_CONF=$conf /usr/sbin/slurmctld -i
  for i in $(seq 1 "$nodes"); do SLURM_CONF=$conf /usr/sbin/slurmd -N "node$i"; done
  for _ in $(seq 1 60); do
    if controller_up && nodes_up; then
      log "up: $nodes nodes ($conf)"
      echo "export SLURM_CONF=$conf"
      return 0
    fi
    sleep 0.5
  done
  log "the cluster did not come up in 30 s; see $dir/log/"
  SLURM_CONF=$conf sinfo -N >&2 || true
  return 1
}

stop() {
  local pid
  for f in "$dir"/run/slurmd-*.pid "$dir"/run/slurmctld.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    kill "$pid" 2>/dev/null || true
    rm -f "$f"
  done
  log "stopped (munged left running: other tools may use it)"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  status) if [ -f "$conf" ] && controller_up && nodes_up; then echo "up ($conf)"; else echo "down"; exit 1; fi ;;
  env) echo "export SLURM_CONF=$conf" ;;
  *) echo "usage: $0 start [NODES] | stop | status | env" >&2; exit 2 ;;
esac
