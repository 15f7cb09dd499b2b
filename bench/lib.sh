# Sourced by the benchmark scripts; not run on its own.

# need_gnu_time installs GNU time when it is missing: it reports peak RSS,
# which the shell's time keyword does not.
need_gnu_time() {
	[[ -x /usr/bin/time ]] && return
	echo "installing GNU time (apt package 'time')" >&2
	if [[ $(id -u) -eq 0 ]]; then
		apt-get install -y time >/dev/null
	else
		sudo apt-get install -y time >/dev/null
	fi
}
