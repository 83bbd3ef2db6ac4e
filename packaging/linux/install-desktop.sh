#!/bin/sh
# Put the built one-folder bundle and its desktop entry in the user's directories, so the
# launcher menu shows "Durable Agentic Harness" and a double click opens the window.
#   packaging/linux/install-desktop.sh [BUNDLE_DIR]        (default: dist/harness)
#   packaging/linux/install-desktop.sh --uninstall
# Honours XDG_DATA_HOME (default ~/.local/share); nothing outside it is touched, no root.
set -eu
APP_ID=io.github.durable_agentic_harness.Harness
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
DATA=${XDG_DATA_HOME:-$HOME/.local/share}
TARGET=$DATA/$APP_ID                      # the bundle itself
ENTRY=$DATA/applications/$APP_ID.desktop
ICONS=$DATA/icons/hicolor

refresh() {  # optional caches; a desktop without them rescans on its own
    command -v update-desktop-database >/dev/null 2>&1 &&
        update-desktop-database -q "$DATA/applications" || true
    command -v gtk-update-icon-cache >/dev/null 2>&1 &&
        gtk-update-icon-cache -q -t "$ICONS" 2>/dev/null || true
}

if [ "${1:-}" = "--uninstall" ]; then
    rm -rf "$TARGET" "$ENTRY"
    for size in 16 32 48 64 128 256; do rm -f "$ICONS/${size}x${size}/apps/$APP_ID.png"; done
    rm -f "$ICONS/scalable/apps/$APP_ID.svg"
    refresh
    echo "removed $APP_ID"
    exit 0
fi

BUNDLE=${1:-$ROOT/dist/harness}
if [ ! -x "$BUNDLE/harness" ]; then
    echo "install-desktop: no bundle at $BUNDLE (run \`make package\` first)" >&2
    exit 1
fi
mkdir -p "$DATA/applications"
# Into a fresh directory, then swapped in: a failed copy never leaves half a bundle.
rm -rf "$TARGET.new"
cp -a "$BUNDLE" "$TARGET.new"
rm -rf "$TARGET"
mv "$TARGET.new" "$TARGET"
for size in 16 32 48 64 128 256; do
    mkdir -p "$ICONS/${size}x${size}/apps"
    cp "$ROOT/packaging/icons/harness-$size.png" "$ICONS/${size}x${size}/apps/$APP_ID.png"
done
mkdir -p "$ICONS/scalable/apps"
cp "$ROOT/packaging/icons/harness.svg" "$ICONS/scalable/apps/$APP_ID.svg"
sed "s|@BUNDLE@|$TARGET|g" "$HERE/$APP_ID.desktop" > "$ENTRY.tmp"
mv "$ENTRY.tmp" "$ENTRY"
refresh
echo "installed $APP_ID: $ENTRY -> $TARGET/harness"
