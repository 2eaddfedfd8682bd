# Sourced by the replicas comparison scripts (h20-cap2.sh, h20-cap3.sh,
# h20-cap4.sh): clean_groups removes the CPU groups a sitrep-bench killed
# by its timeout left behind (only those of a sitrep-bench that is gone).
clean_groups() {
  for g in /sys/fs/cgroup/cpu/sitrep-bench-*; do
    [[ -d $g ]] || continue
    kill -0 "${g##*-}" 2>/dev/null || rmdir "$g"/*/ "$g" 2>/dev/null
  done
}
