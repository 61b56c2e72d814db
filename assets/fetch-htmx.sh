#!/usr/bin/env bash
# fetch-htmx.sh re-fetches htmx and its WebSocket extension from the
# htmx.org npm package and either checks the vendored copies in
# assets/htmx/ against it or replaces them.
#
# Usage:
#   assets/fetch-htmx.sh [VERSION]            check when VERSION is the recorded
#                                             one, otherwise report what
#                                             --update would change
#   assets/fetch-htmx.sh --check [VERSION]    verify SHA256SUMS and that the
#                                             vendored files equal the package
#   assets/fetch-htmx.sh --update [VERSION]   copy the files and LICENSE in and
#                                             rewrite SHA256SUMS and VERSION
#
# VERSION defaults to the contents of assets/htmx/VERSION. The script may be
# run from any directory. It needs npm, tar, sha256sum and cmp.
set -euo pipefail

script_dir="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
htmx_dir="$script_dir/htmx"
version_file="$htmx_dir/VERSION"
sums_file="$htmx_dir/SHA256SUMS"

# Vendored name (relative to htmx_dir) and its path inside the npm package.
vendored=(htmx.min.js hx-ws.min.js)
declare -A source_of=(
	[htmx.min.js]=dist/htmx.min.js
	[hx-ws.min.js]=dist/ext/hx-ws.min.js
)

usage() {
	sed -n '7,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

die() {
	printf 'fetch-htmx: %s\n' "$*" >&2
	exit 1
}

say() {
	printf 'fetch-htmx: %s\n' "$*"
}

mode=auto
version=
while (($# > 0)); do
	case "$1" in
	--check) mode=check ;;
	--update) mode=update ;;
	-h | --help)
		usage
		exit 0
		;;
	-*)
		usage >&2
		die "unknown option $1"
		;;
	*)
		[[ -z "$version" ]] || die "more than one VERSION given"
		version="$1"
		;;
	esac
	shift
done

recorded=
if [[ -f "$version_file" ]]; then
	recorded="$(tr -d '[:space:]' <"$version_file")"
fi
if [[ -z "$version" ]]; then
	[[ -n "$recorded" ]] || die "no VERSION given and $version_file is missing or empty"
	version="$recorded"
fi
# Accept plain semantic versions only, so the argument cannot select a tag,
# a range or another package.
if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
	die "VERSION must look like 4.0.1, got '$version'"
fi
if [[ "$mode" == auto ]]; then
	if [[ "$version" == "$recorded" ]]; then
		mode=check
	else
		mode=report
	fi
fi

for tool in npm tar sha256sum cmp; do
	command -v "$tool" >/dev/null || die "$tool is required but not installed"
done

tmp="$(mktemp -d "${TMPDIR:-/tmp}/fetch-htmx.XXXXXX")"
trap 'rm -rf -- "$tmp"' EXIT

say "fetching htmx.org@$version with npm pack"
tarball="$(cd "$tmp" && npm pack --loglevel=error "htmx.org@$version" 2>"$tmp/npm.log" | tail -n 1)" ||
	die "npm pack htmx.org@$version failed: $(cat "$tmp/npm.log")"
[[ -n "$tarball" && -f "$tmp/$tarball" ]] || die "npm pack produced no tarball: $(cat "$tmp/npm.log")"
tar -xzf "$tmp/$tarball" -C "$tmp"
pkg="$tmp/package"

packed_version="$(sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' "$pkg/package.json" | head -n 1)"
[[ "$packed_version" == "$version" ]] ||
	die "package.json in the tarball says version '$packed_version', expected '$version'"
for name in "${vendored[@]}"; do
	[[ -f "$pkg/${source_of[$name]}" ]] || die "htmx.org@$version has no ${source_of[$name]}"
done
[[ -f "$pkg/LICENSE" ]] || die "htmx.org@$version has no LICENSE"

check() {
	local failed=0 name want got
	[[ -f "$sums_file" ]] || die "$sums_file is missing"
	for name in "${vendored[@]}"; do
		if [[ ! -f "$htmx_dir/$name" ]]; then
			printf 'fetch-htmx: MISSING %s\n' "$htmx_dir/$name" >&2
			failed=1
			continue
		fi
		want="$(awk -v n="$name" '{f = $2; sub(/^\*/, "", f)} f == n {print $1}' "$sums_file")"
		got="$(sha256sum <"$htmx_dir/$name" | cut -d' ' -f1)"
		if [[ -z "$want" ]]; then
			printf 'fetch-htmx: SHA256SUMS has no entry for %s\n' "$name" >&2
			failed=1
		elif [[ "$want" != "$got" ]]; then
			printf 'fetch-htmx: SHA256 MISMATCH %s: SHA256SUMS says %s, file is %s\n' "$name" "$want" "$got" >&2
			failed=1
		else
			say "ok   sha256 $name $got"
		fi
		if cmp -s "$htmx_dir/$name" "$pkg/${source_of[$name]}"; then
			say "ok   $name equals htmx.org@$version ${source_of[$name]}"
		else
			printf 'fetch-htmx: CONTENT MISMATCH %s differs from htmx.org@%s %s\n' \
				"$name" "$version" "${source_of[$name]}" >&2
			failed=1
		fi
	done
	if cmp -s "$htmx_dir/LICENSE" "$pkg/LICENSE"; then
		say "ok   LICENSE equals htmx.org@$version LICENSE"
	else
		printf 'fetch-htmx: CONTENT MISMATCH LICENSE differs from htmx.org@%s LICENSE\n' "$version" >&2
		failed=1
	fi
	if [[ "$recorded" != "$version" ]]; then
		printf 'fetch-htmx: VERSION MISMATCH %s records %s, checked against %s\n' \
			"$version_file" "${recorded:-nothing}" "$version" >&2
		failed=1
	fi
	if ((failed)); then
		die "check FAILED: assets/htmx does not match htmx.org@$version"
	fi
	say "check passed: assets/htmx matches htmx.org@$version"
}

update() {
	local name
	mkdir -p "$htmx_dir"
	for name in "${vendored[@]}" LICENSE; do
		local src="$pkg/LICENSE"
		[[ "$name" == LICENSE ]] || src="$pkg/${source_of[$name]}"
		if cmp -s "$src" "$htmx_dir/$name"; then
			say "same $name"
		else
			cp -- "$src" "$htmx_dir/$name"
			chmod 0644 "$htmx_dir/$name"
			say "copy ${src#"$tmp/"} -> assets/htmx/$name"
		fi
	done
	(cd "$htmx_dir" && sha256sum -- "${vendored[@]}") >"$tmp/SHA256SUMS"
	cp -- "$tmp/SHA256SUMS" "$sums_file"
	printf '%s\n' "$version" >"$version_file"
	chmod 0644 "$sums_file" "$version_file"
	say "wrote assets/htmx/SHA256SUMS:"
	sed 's/^/    /' "$sums_file"
	say "wrote assets/htmx/VERSION: $version"
	recorded="$version"
	check
	if [[ "$version" != "${previous:-}" ]]; then
		say "note: assets/example_test.go prints the hashed htmx path; run 'go test ./assets/' and update its output"
	fi
}

report() {
	local name
	say "htmx.org@$version is not the recorded version (${recorded:-none}); nothing changed"
	for name in "${vendored[@]}"; do
		local src="$pkg/${source_of[$name]}"
		if cmp -s "$src" "$htmx_dir/$name" 2>/dev/null; then
			say "same    $name"
		else
			say "differs $name (sha256 $(sha256sum <"$src" | cut -d' ' -f1))"
		fi
	done
	say "run '$0 --update $version' to vendor it"
}

previous="$recorded"
case "$mode" in
check) check ;;
update) update ;;
report) report ;;
esac
