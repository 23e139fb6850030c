#!/bin/sh
# The image's entrypoint: bring the database schema up to date, then run a monitor subcommand.
#   (no arguments)          the image's CMD: monitor run --serve --host 0.0.0.0
#   claims --json           monitor claims --json, after `monitor db upgrade`
#   sh -c '...'             a first argument that is not a monitor subcommand but an executable on PATH
#                           is run as it is, without touching the database
# MONITOR_BIN names the monitor command (default: monitor), so this script is tested outside Docker.
set -eu

monitor=${MONITOR_BIN:-monitor}

# monitor's subcommands (tests/test_container_files.py keeps this list equal to the CLI's).
subcommands=" alerts backtest check claims db eval evidence explain notify-test run serve timeline version "

if [ "$#" -gt 0 ] && [ "$1" = monitor ]; then
    shift  # `docker run IMAGE monitor claims` means `docker run IMAGE claims`
fi

if [ "$#" -gt 0 ]; then
    case "$1" in
        -*) ;;  # an option of monitor's own (--help, -v)
        *)
            case "${subcommands}" in
                *" $1 "*) ;;
                *)
                    if command -v "$1" >/dev/null 2>&1; then
                        exec "$@"
                    fi
                    ;;
            esac
            ;;
    esac
fi

"${monitor}" db upgrade
exec "${monitor}" "$@"
