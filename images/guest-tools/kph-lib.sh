#!/bin/sh
# kph-lib.sh: shell functions every scenario script has (kph-scenario sources this file before
# the script). Sourced, not run; executable only so the image recipe installs it.

# kph_wait_own_ns PID TYPE...: wait until PID has a namespace of each TYPE other than this
# shell's (the child has unshared, or entered its target). Gives up after KPH_WAIT_TRIES × 50 ms
# (default 200: 10 s), prints `KPH wait_own_ns=timeout` and returns 1, so the expectations can
# tell a slow child from a kernel that never switched.
kph_wait_own_ns() {
	_kph_pid=$1
	shift
	_kph_i=0
	while :; do
		_kph_all=1
		for _kph_t in "$@"; do
			[ "$(readlink "/proc/$_kph_pid/ns/$_kph_t" 2>/dev/null)" != "$(readlink "/proc/$$/ns/$_kph_t")" ] || _kph_all=0
		done
		[ $_kph_all = 1 ] && return 0
		_kph_i=$((_kph_i + 1))
		if [ $_kph_i -gt "${KPH_WAIT_TRIES:-200}" ]; then
			echo "KPH wait_own_ns=timeout"
			return 1
		fi
		sleep 0.05
	done
}

# kph_snum TYPE [PID]: the namespace serial in /proc/PID/ns/TYPE_snum (ns-serial), or "none".
kph_snum() {
	cat "/proc/${2:-self}/ns/${1}_snum" 2>/dev/null || echo none
}

# kph_ns_notes PREFIX PID TYPE...: `KPH PREFIX_TYPE=type:[inode]` for each TYPE of PID.
kph_ns_notes() {
	_kph_prefix=$1
	_kph_pid=$2
	shift 2
	for _kph_t in "$@"; do echo "KPH ${_kph_prefix}_${_kph_t}=$(readlink "/proc/$_kph_pid/ns/$_kph_t")"; done
}
