#!/bin/bash
# Ground truth from a real Linux 6.1 kernel (Debian bookworm linux-image-6.1)
# booted under QEMU with a busybox initramfs and small static C workloads.
#
#   ./run.sh                 install/download/build everything, run all workloads
#   ./run.sh w0 w3a w4       run only these workloads (build steps still run)
#   ./run.sh --list          list the workloads
#
# Environment:
#   RK_CACHE=/tmp/rk-cache   kernel package, extracted tree, build, disk images
#   RK_ACCEL=tcg|kvm         default tcg (see README: KVM guests hang on this machine)
#   RK_KPKG=linux-image-6.1.0-56-amd64   kernel package to use (falls back to
#                            whatever linux-image-amd64 depends on if not found)
#   RK_TOTAL_TIMEOUT=3600    whole-script timeout in seconds
#   RK_DATA=../../test/realkernel/data   where to write results (the project's ground truth)
#
# Output: data/<workload>/ : one file per captured /proc (or /sys) file,
# console.log (full serial console), run_info, oom_report.N where the kernel
# log has OOM reports.  Re-running overwrites data/<workload>/.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ -z "${RK_INNER:-}" ]; then
	export RK_INNER=1
	exec timeout --foreground -k 10 "${RK_TOTAL_TIMEOUT:-3600}" "$HERE/run.sh" "$@"
fi

CACHE="${RK_CACHE:-/tmp/rk-cache}"
ACCEL="${RK_ACCEL:-tcg}"
KPKG_WANT="${RK_KPKG:-linux-image-6.1.0-56-amd64}"
DATA="${RK_DATA:-$HERE/../../test/realkernel/data}"
BUILD="$CACHE/build"

# name  memory  timeout  extra   (extra: disk=swap|ext2, numa2)
WORKLOADS="
w0       512M  240 -
w0-m256  256M  240 -
w0-m1024 1024M 240 -
w0-m2048 2048M 240 -
w0-numa2 1024M 240 numa2
w1       512M  300 -
w1t      1024M 300 -
w2       512M  300 -
w3a      256M  400 -
w4       512M  300 -
w5       256M  580 disk=swap
w6       512M  300 disk=ext2
w9       512M  240 -
wk       512M  240 -
wk-smp2  512M  240 smp2
wk-numa2 1024M 240 numa2
wo-cow   256M  300 -
wo-populate 256M 300 -
wo-mlock 256M  300 -
wo-madvise 256M 300 -
wo-pte   256M  300 -
wks      512M  240 -
wt       256M  300 -
"

log() { echo "[run.sh $(date +%H:%M:%S)] $*" >&2; }

if [ "${1:-}" = "--list" ]; then echo "$WORKLOADS" | awk 'NF{print $1, $2}'; exit 0; fi

# ------------------------------------------------------------ 1. host packages
need_pkgs=()
command -v qemu-system-x86_64 >/dev/null || need_pkgs+=(qemu-system-x86)
dpkg -s busybox-static >/dev/null 2>&1 || need_pkgs+=(busybox-static)
command -v cpio >/dev/null || need_pkgs+=(cpio)
command -v mke2fs >/dev/null || need_pkgs+=(e2fsprogs)
command -v gcc >/dev/null || need_pkgs+=(gcc libc6-dev)
if [ ${#need_pkgs[@]} -gt 0 ]; then
	log "installing ${need_pkgs[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

# ------------------------------------------------------------ 2. kernel package
mkdir -p "$CACHE"
KDIR="$CACHE/kimg"
if ! ls "$KDIR"/boot/vmlinuz-* >/dev/null 2>&1; then
	(
		cd "$CACHE"
		rm -f linux-image-*.deb
		if ! apt-get download "$KPKG_WANT" >/dev/null 2>&1; then
			apt-get update -qq
			if ! apt-get download "$KPKG_WANT" >/dev/null 2>&1; then
				alt=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-6/{print $2; exit}')
				log "WARNING: $KPKG_WANT not available, using $alt"
				apt-get download "$alt" >/dev/null
			fi
		fi
		rm -rf kimg.tmp && dpkg -x linux-image-*.deb kimg.tmp && mv kimg.tmp kimg
	)
fi
DEB=$(ls "$CACHE"/linux-image-*.deb | head -1)
KPKG=$(dpkg-deb -f "$DEB" Package)
KPKGVER=$(dpkg-deb -f "$DEB" Version)
VMLINUZ=$(ls "$KDIR"/boot/vmlinuz-* | head -1)
KREL=${VMLINUZ##*/vmlinuz-}
MODSRC="$KDIR/lib/modules/$KREL/kernel"
log "kernel: $KPKG $KPKGVER ($KREL)"

# ------------------------------------------------------------ 3. initramfs
rm -rf "$BUILD" && mkdir -p "$BUILD/root"/{bin,proc,sys,dev,tmp,mnt,lib/modules}
R="$BUILD/root"
for w in anon forkcow oompath; do
	gcc -static -O2 -s -Wall -o "$R/bin/$w" "$HERE/workloads/$w.c"
done
# distinct command names (comm) for the OOM workloads
for n in memA memB memC memcgtouch; do ln -s anon "$R/bin/$n"; done
cp /bin/busybox "$R/bin/busybox"
for a in $(/bin/busybox --list); do [ -e "$R/bin/$a" ] || ln -s busybox "$R/bin/$a"; done
for m in drivers/virtio/virtio_ring.ko drivers/virtio/virtio.ko \
	drivers/virtio/virtio_pci_modern_dev.ko drivers/virtio/virtio_pci_legacy_dev.ko \
	drivers/virtio/virtio_pci.ko drivers/block/virtio_blk.ko \
	mm/zsmalloc.ko drivers/block/zram/zram.ko \
	lib/crc16.ko fs/mbcache.ko fs/jbd2/jbd2.ko crypto/crc32c_generic.ko fs/ext4/ext4.ko; do
	src="$MODSRC/$m"
	[ -f "$src" ] || { [ -f "$src.xz" ] && src="$src.xz"; }
	case "$src" in
	*.xz) xz -dc "$src" >"$R/lib/modules/$(basename "$m")" ;;
	*) cp "$src" "$R/lib/modules/" ;;
	esac
done
install -m 755 "$HERE/guest/init" "$R/init"
(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -9) >"$BUILD/initrd.gz"
log "initramfs: $(du -h "$BUILD/initrd.gz" | cut -f1) compressed, $(du -sh "$R" | cut -f1) unpacked"

# ------------------------------------------------------------ 4. disk images
if [ ! -f "$CACHE/ext2.img" ]; then
	rm -rf "$CACHE/ext2src" && mkdir -p "$CACHE/ext2src"
	head -c $((64 << 20)) /dev/urandom >"$CACHE/ext2src/file64"
	mke2fs -q -t ext2 -d "$CACHE/ext2src" -F "$CACHE/ext2.img.tmp" 96M >/dev/null
	mv "$CACHE/ext2.img.tmp" "$CACHE/ext2.img"
	rm -rf "$CACHE/ext2src"
fi

# ------------------------------------------------------------ 5. boot helpers
split_console() { # console.log outdir
	awk -v out="$2" '
	{ sub(/\r$/, "") }
	state == 0 && match($0, /@@RK-BEGIN [^@]+@@/) {
		name = substr($0, RSTART + 11, RLENGTH - 13)
		file = out "/" name
		dir = file; sub(/\/[^\/]*$/, "", dir)
		system("mkdir -p \"" dir "\"")
		printf "" > file
		state = 1; next
	}
	state == 1 {
		if (match($0, /@@RK-END [^@]+@@/)) {
			pre = substr($0, 1, RSTART - 1)
			if (pre != "") printf "%s", pre >> file
			close(file); state = 0; next
		}
		print >> file
	}' "$1"
}
extract_oom() { # dmesg outdir
	awk -v out="$2" '
	/invoked oom-killer:/ { n++; file = out "/oom_report." n; inr = 1 }
	inr { print > file }
	inr && /Killed process/ { close(file); inr = 0 }' "$1"
}

run_one() { # name mem timeout extra
	local name=$1 mem=$2 tmo=$3 extra=$4
	local out="$DATA/$name"
	rm -rf "$out" && mkdir -p "$out"
	local args=(-nodefaults -no-user-config -no-reboot -display none -monitor none
		-serial "file:$out/console.log" -m "$mem" -kernel "$VMLINUZ" -initrd "$BUILD/initrd.gz")
	if [ "$ACCEL" = kvm ]; then args+=(-enable-kvm -cpu host,-arch-capabilities); else args+=(-accel tcg); fi
	local smp=1
	case "$extra" in
	numa2)
		smp=2
		args+=(-object memory-backend-ram,id=m0,size=512M -object memory-backend-ram,id=m1,size=512M
			-numa node,nodeid=0,cpus=0,memdev=m0 -numa node,nodeid=1,cpus=1,memdev=m1) ;;
	smp2) smp=2 ;;
	disk=swap)
		rm -f "$CACHE/swap.img" && truncate -s 512M "$CACHE/swap.img"
		args+=(-drive "file=$CACHE/swap.img,format=raw,if=virtio,cache=unsafe") ;;
	disk=ext2)
		args+=(-drive "file=$CACHE/ext2.img,format=raw,if=virtio,readonly=on") ;;
	esac
	args+=(-smp "$smp" -append "console=ttyS0 nokaslr norandmaps panic=-1 rk.wl=$name")
	local t0 t1 rc=0
	t0=$(date +%s.%N)
	timeout -k 5 "$tmo" qemu-system-x86_64 "${args[@]}" >"$out/qemu.stderr" 2>&1 || rc=$?
	t1=$(date +%s.%N)
	[ -s "$out/qemu.stderr" ] || rm -f "$out/qemu.stderr"
	split_console "$out/console.log" "$out"
	[ -f "$out/dmesg" ] && extract_oom "$out/dmesg" "$out"
	local done=no
	grep -q "@@RK-DONE $name@@" "$out/console.log" && done=yes
	{
		echo "workload: $name"
		echo "kernel_package: $KPKG $KPKGVER"
		echo "kernel_release: $KREL"
		echo "accel: $ACCEL"
		echo "memory: $mem"
		echo "smp: $smp"
		echo "qemu: $(qemu-system-x86_64 --version | head -1)"
		echo "qemu_args: ${args[*]}" | sed "s#$CACHE#\$RK_CACHE#g; s#$DATA/#data/#g"
		echo "qemu_exit: $rc"
		echo "completed: $done"
		awk -v a="$t0" -v b="$t1" 'BEGIN { printf "wall_seconds: %.1f\n", b - a }'
	} >"$out/run_info"
	log "$name: qemu rc=$rc completed=$done $(grep wall_seconds "$out/run_info")"
}

sel=("$@")
echo "$WORKLOADS" | while read -r name mem tmo extra; do
	[ -n "$name" ] || continue
	if [ ${#sel[@]} -gt 0 ]; then
		hit=0; for s in "${sel[@]}"; do [ "$s" = "$name" ] && hit=1; done
		[ $hit = 1 ] || continue
	fi
	run_one "$name" "$mem" "$tmo" "$extra" </dev/null
done
"$HERE/summarize.sh" "$DATA" >"$DATA/SUMMARY.md" || log "summarize failed"
log "done: $DATA (summary in $DATA/SUMMARY.md)"
