#!/bin/sh
# Developer aid, not part of `npm test`: boot one system-test image under QEMU TCG (PVH entry, port 0xE9 console)
# to tell a wrong image from a wrong emulator. Needs qemu-system-x86 (Debian package).
# Usage: test/cpu/system/qemu-check.sh long-mode-switch
set -e
dir=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
gcc -nostdlib -static -no-pie -DQEMU_QUIRKS -I"$dir/lib" -Wl,-T,"$dir/link.ld" -Wl,--no-warn-rwx-segments \
  -Wl,--build-id=none -o "$tmp/$1.elf" "$dir/$1.S"
timeout 4 qemu-system-x86_64 -M q35 -cpu max -accel tcg -m 64 -display none -no-reboot -nodefaults \
  -debugcon "file:$tmp/out.txt" -kernel "$tmp/$1.elf" ${QEMU_LOG:+-d int,cpu_reset -D "$QEMU_LOG"} 2>/dev/null || true
cat "$tmp/out.txt"
rm -rf "$tmp"
