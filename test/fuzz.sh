#!/usr/bin/env bash
# Runs every Go fuzz target of the module for FUZZTIME each (default 20s), one after another, and fails when
# any of them fails. A failing input is written under the package's testdata/fuzz/<target>/; keep it there as
# a regression seed once the bug is fixed. The corpus the fuzzer grows stays in the Go build cache.
#
# FUZZMINIMIZETIME (default 5s) bounds how long the fuzzer shrinks each input: Go's default of 60s lets the
# minimization of one large interesting input take a short run's whole budget.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

fuzztime="${FUZZTIME:-20s}"
minimizetime="${FUZZMINIMIZETIME:-5s}"

# Packages whose test files (those the default build, without tags, compiles) declare a fuzz target.
pkgs=()
while read -r dir files; do
	if [[ -n "$files" ]] && (cd "$dir" && grep -qE '^func Fuzz[A-Za-z0-9_]*\(' $files); then
		pkgs+=(".${dir#"$root"}")
	fi
done < <(go list -f '{{.Dir}} {{join .TestGoFiles " "}} {{join .XTestGoFiles " "}}' ./...)
if ((${#pkgs[@]} == 0)); then
	echo "fuzz: no fuzz targets found" >&2
	exit 1
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT

failed=()
targets=0
start=$SECONDS
for pkg in "${pkgs[@]}"; do
	list="$(go test -list '^Fuzz' "$pkg")"
	mapfile -t names < <(grep -E '^Fuzz' <<<"$list")
	for name in "${names[@]}"; do
		targets=$((targets + 1))
		t0=$SECONDS
		if go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" -fuzzminimizetime "$minimizetime" "$pkg" >"$log" 2>&1; then
			printf 'fuzz: ok    %-32s %-28s %ds\n' "$pkg" "$name" $((SECONDS - t0))
			continue
		fi
		crasher="$(sed -n 's/.*Failing input written to \(.*\)$/\1/p' "$log" | tail -n1)"
		# Go before 1.27 can report the end of -fuzztime itself as a failure, "context deadline exceeded" with
		# no input written (go.dev/issue/75804, a race in the fuzzing coordinator). That says nothing about the
		# target: confirm with a plain run of its seed corpus and count it as passed.
		if [[ -z "$crasher" ]] && tail -n 5 "$log" | grep -qx '    context deadline exceeded' &&
			go test -run "^${name}\$" "$pkg" >"$log" 2>&1; then
			printf 'fuzz: ok    %-32s %-28s %ds (deadline race at the end, go.dev/issue/75804; seeds pass)\n' \
				"$pkg" "$name" $((SECONDS - t0))
			continue
		fi
		cat "$log" >&2
		if [[ -n "$crasher" ]]; then
			failed+=("$name in $pkg: failing input in ${pkg#./}/$crasher")
		else
			failed+=("$name in $pkg: see the output above")
		fi
		printf 'fuzz: FAIL  %-32s %-28s %ds\n' "$pkg" "$name" $((SECONDS - t0)) >&2
	done
done

if ((${#failed[@]} > 0)); then
	echo "fuzz: ${#failed[@]} of $targets targets failed:" >&2
	printf '  - %s\n' "${failed[@]}" >&2
	exit 1
fi
echo "fuzz: $targets targets passed, ${fuzztime} each, in $((SECONDS - start))s"
