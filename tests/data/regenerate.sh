#!/usr/bin/env bash
# Regenerate the real-LLVM fixture corpus in tests/data/ from tests/data/ir/*.ll.
#
#   tests/data/regenerate.sh [14|22]      (default 14)
#
# For every target triple in TRIPLES and every IR module that the target can
# compile (see SKIP below), this runs
#
#   llc -O2 -mtriple=$T [FLAGS[$T]] -filetype=obj tests/data/ir/NAME.ll -o $OUT/$T/NAME.o
#   llvm-readobj --stackmap $OUT/$T/NAME.o > $OUT/$T/NAME.readobj.txt
#
# where OUT is tests/data for LLVM 14 and tests/data/llvm22 for LLVM 22 (which
# adds riscv64, and gives riscv64 the D and V extensions, s390x the z13 vector
# facility and big-endian ppc64 POWER8, so that vector operands lower there).
# The same IR serves both: llc 22 reads LLVM 14's typed pointers as `ptr`.
#
# The .readobj.txt files are LLVM's own rendering of the stack maps: the golden
# oracle the parser is tested against.  They must only ever be produced by this
# script (i.e. by llvm-readobj), never by stackmap-construct.  OUT/LLVM_VERSION
# records which llc made the objects.
#
# Run from anywhere (it changes to the repository root); it is idempotent: the
# same LLVM build gives byte-identical files.  The script refuses an llc or
# llvm-readobj of another major version than the one asked for.
#
# Environment: LLC and LLVM_READOBJ override the tool paths (default for 14:
# `llc` / `llvm-readobj` on PATH, else `llc-14` / `llvm-readobj-14`; for 22:
# `llc-22` / `llvm-readobj-22` on PATH, else /usr/lib/llvm-22/bin/).

set -euo pipefail

REQUIRED_LLVM_MAJOR="${1:-14}"
case "$REQUIRED_LLVM_MAJOR" in
    14|22) ;;
    *) echo "usage: $0 [14|22]" >&2; exit 2 ;;
esac

TRIPLES=(
    x86_64-linux-gnu
    aarch64-linux-gnu
    powerpc64-unknown-linux-gnu
    powerpc64le-unknown-linux-gnu
    s390x-linux-gnu
)
declare -A FLAGS=()
if [[ "$REQUIRED_LLVM_MAJOR" == 22 ]]; then
    TRIPLES+=(riscv64-linux-gnu)
    FLAGS=(
        [riscv64-linux-gnu]="-mattr=+d,+v"
        [s390x-linux-gnu]="-mcpu=z13"
        [powerpc64-unknown-linux-gnu]="-mcpu=pwr8"
    )
fi

# (module, triple) pairs that are NOT built, with the reason.  Every entry is a
# crash of llc 14 (segfault) found when the corpus was made; nothing else is
# skipped and no llc/readobj failure is ignored.  Key: "MODULE TRIPLE".
declare -A SKIP=()
if [[ "$REQUIRED_LLVM_MAJOR" == 14 ]]; then
SKIP=(
    ["stackmap_narrow_ints aarch64-linux-gnu"]="llc 14 segfaults in instruction selection on i8/i16 stackmap operands"
    ["stackmap_narrow_ints powerpc64-unknown-linux-gnu"]="llc 14 segfaults in instruction selection on i8/i16 stackmap operands"
    ["stackmap_narrow_ints powerpc64le-unknown-linux-gnu"]="llc 14 segfaults in instruction selection on i8/i16 stackmap operands"
    ["stackmap_narrow_ints s390x-linux-gnu"]="llc 14 segfaults in instruction selection on i8/i16 stackmap operands"
    ["stackmap_vectors powerpc64-unknown-linux-gnu"]="llc 14 segfaults in instruction selection on vector stackmap operands (default big-endian ppc64 CPU)"
    ["stackmap_vectors s390x-linux-gnu"]="llc 14 segfaults in instruction selection on vector stackmap operands (default s390x CPU has no vector facility)"
    ["patchpoint_fp_liveouts x86_64-linux-gnu"]="llc 14 segfaults in StackMaps::createLiveOutReg when an XMM register is live across a patchpoint"
    ["statepoint powerpc64-unknown-linux-gnu"]="llc 14 segfaults on gc.statepoint (Finalize ISel) on ppc64"
    ["statepoint powerpc64le-unknown-linux-gnu"]="llc 14 segfaults on gc.statepoint (Finalize ISel) on ppc64le"
    ["statepoint s390x-linux-gnu"]="llc 14 segfaults on gc.statepoint (Finalize ISel) on s390x"
)
else
SKIP=(
    ["patchpoint_fp_liveouts x86_64-linux-gnu"]="llc 22 segfaults in StackMaps::createLiveOutReg when an XMM register is live across a patchpoint"
    ["patchpoint_fp_liveouts aarch64-linux-gnu"]="llc 22 segfaults when a floating-point register is live across a patchpoint on aarch64"
    ["patchpoint_fp_liveouts riscv64-linux-gnu"]="llc 22 segfaults in StackMaps::parseRegisterLiveOutMask when a floating-point register is live across a patchpoint on riscv64"
    ["statepoint powerpc64-unknown-linux-gnu"]="llc 22 crashes on gc.statepoint on ppc64"
    ["statepoint powerpc64le-unknown-linux-gnu"]="llc 22 crashes on gc.statepoint on ppc64le"
    ["statepoint s390x-linux-gnu"]="llc 22 crashes on gc.statepoint on s390x"
)
fi

die() {
    echo "regenerate.sh: $*" >&2
    exit 1
}

pick_tool() {
    # $1: environment override (may be empty), $2: tool name
    if [[ -n "$1" ]]; then
        command -v "$1" >/dev/null 2>&1 || die "$1 not found"
        echo "$1"
    elif [[ "$REQUIRED_LLVM_MAJOR" == 14 ]] && command -v "$2" >/dev/null 2>&1; then
        echo "$2"
    elif command -v "$2-$REQUIRED_LLVM_MAJOR" >/dev/null 2>&1; then
        echo "$2-$REQUIRED_LLVM_MAJOR"
    elif [[ -x "/usr/lib/llvm-$REQUIRED_LLVM_MAJOR/bin/$2" ]]; then
        echo "/usr/lib/llvm-$REQUIRED_LLVM_MAJOR/bin/$2"
    else
        die "$2 not found (install LLVM $REQUIRED_LLVM_MAJOR, Debian package '$([[ $REQUIRED_LLVM_MAJOR == 14 ]] && echo llvm || echo llvm-$REQUIRED_LLVM_MAJOR)')"
    fi
}

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO_ROOT"
DATA=tests/data
OUT=$DATA
[[ "$REQUIRED_LLVM_MAJOR" == 14 ]] || OUT=$DATA/llvm$REQUIRED_LLVM_MAJOR

LLC="$(pick_tool "${LLC:-}" llc)"
READOBJ="$(pick_tool "${LLVM_READOBJ:-}" llvm-readobj)"

llc_version_text="$("$LLC" --version)"
if [[ "$llc_version_text" =~ LLVM\ version\ ([0-9]+)\.([0-9]+)\.([0-9]+) ]]; then
    llc_major="${BASH_REMATCH[1]}"
    llc_version="${BASH_REMATCH[1]}.${BASH_REMATCH[2]}.${BASH_REMATCH[3]}"
else
    die "cannot read the LLVM version from '$LLC --version'"
fi
if [[ "$llc_major" != "$REQUIRED_LLVM_MAJOR" ]]; then
    die "$LLC is LLVM $llc_version; the goldens are LLVM $REQUIRED_LLVM_MAJOR's output, so use llc $REQUIRED_LLVM_MAJOR (set LLC=/path/to/llc-$REQUIRED_LLVM_MAJOR)"
fi
readobj_version_text="$("$READOBJ" --version)"
[[ "$readobj_version_text" =~ LLVM\ version\ $REQUIRED_LLVM_MAJOR\. ]] \
    || die "$READOBJ is not LLVM $REQUIRED_LLVM_MAJOR"

# Modules: every tests/data/ir/*.ll, in a fixed order.
MODULES=()
while IFS= read -r f; do
    MODULES+=("$(basename "$f" .ll)")
done < <(LC_ALL=C ls "$DATA"/ir/*.ll)
[[ ${#MODULES[@]} -gt 0 ]] || die "no IR modules in $DATA/ir"

# A skip entry naming an unknown module or triple is a typo: refuse.
for key in "${!SKIP[@]}"; do
    read -r m t <<<"$key"
    [[ -f "$DATA/ir/$m.ll" ]] || die "SKIP entry '$key': no module $DATA/ir/$m.ll"
    printf '%s\n' "${TRIPLES[@]}" | grep -qxF -- "$t" || die "SKIP entry '$key': $t is not in TRIPLES"
done

echo "Using $LLC (LLVM $llc_version) and $READOBJ"
mkdir -p "$OUT"
echo "$llc_version_text" | grep -m1 'LLVM version' | sed 's/^ *//' >"$OUT/LLVM_VERSION"
built=0
skipped=0
for t in "${TRIPLES[@]}"; do
    mkdir -p "$OUT/$t"
    for m in "${MODULES[@]}"; do
        obj="$OUT/$t/$m.o"
        golden="$OUT/$t/$m.readobj.txt"
        reason="${SKIP["$m $t"]:-}"
        if [[ -n "$reason" ]]; then
            echo "skip  $t/$m: $reason"
            rm -f "$obj" "$golden"
            skipped=$((skipped + 1))
            continue
        fi
        echo "build $t/$m"
        # shellcheck disable=SC2086  # FLAGS holds whole options
        "$LLC" -O2 -mtriple="$t" ${FLAGS[$t]:-} -filetype=obj "$DATA/ir/$m.ll" -o "$obj"
        "$READOBJ" --stackmap "$obj" >"$golden"
        grep -qx 'LLVM StackMap Version: 3' "$golden" \
            || die "$golden has no 'LLVM StackMap Version: 3' line"
        built=$((built + 1))
    done
done
echo "done: $built objects built, $skipped (module, target) pairs skipped"
