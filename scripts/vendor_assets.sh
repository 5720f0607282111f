#!/usr/bin/env bash
# Refresh the third-party front-end assets and PDF fonts vendored into the repo.
#
# The project itself never needs Node: this script (run by a maintainer) uses
# `npm pack` only to download package tarballs, and `apt-get download` for the
# Debian font package. Every asset is written with its version in the file
# name; older versions of the same asset are removed. Re-running with nothing
# new upstream leaves the tree unchanged.
#
# Usage: scripts/vendor_assets.sh        (from anywhere inside the repo)
# Needs: npm, python3, tar, apt-get, dpkg-deb
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENDOR="static/vendor"
FONTS="src/enishi/core/fonts"

# Package specs (edit here to pin / bump).
HTMX_SPEC="htmx.org@2"                 # latest 2.x (htmx 4 is a different API)
AXE_SPEC="axe-core@latest"
TOKENS_SPEC="@digital-go-jp/design-tokens@latest"
FONTSOURCE_SPEC="@fontsource/biz-udpgothic@latest"
LEAFLET_SPEC="leaflet@1"               # latest 1.x (2.0 changes the API)
DEB_FONT_PKG="fonts-morisawa-bizud-gothic"

for tool in npm python3 tar apt-get dpkg-deb; do
  command -v "$tool" >/dev/null || { echo "error: $tool not found" >&2; exit 1; }
done

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
chmod 755 "$TMP"   # let apt's unprivileged _apt user write the .deb
mkdir -p "$VENDOR" "$FONTS"

log() { printf '%s\n' "$*"; }

# npm_fetch SPEC -> prints the extracted package dir (…/package)
npm_fetch() {
  local spec="$1" dir tgz
  dir="$TMP/npm/$(printf '%s' "$spec" | tr -c 'A-Za-z0-9._-' '_')"
  mkdir -p "$dir"
  tgz="$(cd "$dir" && npm pack --silent --ignore-scripts "$spec" 2>/dev/null | tail -n1)"
  tar -xzf "$dir/$tgz" -C "$dir"
  printf '%s\n' "$dir/package"
}

pkg_version() {
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$1/package.json"
}

# install_file SRC DEST_DIR NAME GLOB
# Copy SRC to DEST_DIR/NAME (if content differs) and delete other files in
# DEST_DIR matching GLOB (older versions).
install_file() {
  local src="$1" dest_dir="$2" name="$3" glob="$4" old
  for old in "$dest_dir"/$glob; do
    [ -e "$old" ] || continue
    if [ "$(basename "$old")" != "$name" ]; then
      rm -rf "$old"
      log "  removed old $old"
    fi
  done
  if [ -f "$dest_dir/$name" ] && cmp -s "$src" "$dest_dir/$name"; then
    log "  unchanged $dest_dir/$name"
  else
    cp "$src" "$dest_dir/$name"
    log "  wrote     $dest_dir/$name ($(du -h "$dest_dir/$name" | cut -f1))"
  fi
}

# install_dir SRC_DIR DEST_DIR NAME GLOB  (same as install_file, for a directory)
install_dir() {
  local src="$1" dest_dir="$2" name="$3" glob="$4" old
  for old in "$dest_dir"/$glob; do
    [ -e "$old" ] || continue
    if [ "$(basename "$old")" != "$name" ]; then
      rm -rf "$old"
      log "  removed old $old"
    fi
  done
  if [ -d "$dest_dir/$name" ] && diff -rq "$src" "$dest_dir/$name" >/dev/null; then
    log "  unchanged $dest_dir/$name/"
  else
    rm -rf "$dest_dir/$name"
    cp -R "$src" "$dest_dir/$name"
    log "  wrote     $dest_dir/$name/ ($(du -sh "$dest_dir/$name" | cut -f1))"
  fi
}

# ---------------------------------------------------------------- htmx
log "htmx ($HTMX_SPEC)"
P="$(npm_fetch "$HTMX_SPEC")"; HTMX_VERSION="$(pkg_version "$P")"
install_file "$P/dist/htmx.min.js" "$VENDOR" "htmx-$HTMX_VERSION.min.js" 'htmx-*.min.js'
HTMX_LICENSE="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("license","?"))' "$P/package.json")"

# ---------------------------------------------------------------- axe-core
log "axe-core ($AXE_SPEC)"
P="$(npm_fetch "$AXE_SPEC")"; AXE_VERSION="$(pkg_version "$P")"
install_file "$P/axe.min.js" "$VENDOR" "axe-core-$AXE_VERSION.min.js" 'axe-core-*.min.js'
AXE_LICENSE="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("license","?"))' "$P/package.json")"

# ---------------------------------------------------------------- Leaflet (the /shops/ map)
# dist/leaflet.js, leaflet.css and the marker images the CSS points at, in one directory.
log "Leaflet ($LEAFLET_SPEC)"
P="$(npm_fetch "$LEAFLET_SPEC")"; LEAFLET_VERSION="$(pkg_version "$P")"
LEAFLET_LICENSE="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("license","?"))' "$P/package.json")"
mkdir -p "$TMP/leaflet-$LEAFLET_VERSION/images"
# The source map is not shipped, so its comment goes (collectstatic's manifest would look for it).
sed '/^\/\/# sourceMappingURL=/d' "$P/dist/leaflet.js" >"$TMP/leaflet-$LEAFLET_VERSION/leaflet.js"
cp "$P/dist/leaflet.css" "$P/LICENSE" "$TMP/leaflet-$LEAFLET_VERSION/"
cp "$P"/dist/images/*.png "$TMP/leaflet-$LEAFLET_VERSION/images/"
install_dir "$TMP/leaflet-$LEAFLET_VERSION" "$VENDOR" "leaflet-$LEAFLET_VERSION" 'leaflet-*'

# ---------------------------------------------------------------- design tokens
# dist/tokens.css is the package's CSS custom-properties file (its "style"
# entry) and is copied verbatim. Safety net: any token present in
# dist/tokens.js but missing from the CSS is appended (generated with python3,
# same naming scheme); as of 1.1.9 nothing is missing.
log "digital-go-jp design tokens ($TOKENS_SPEC)"
P="$(npm_fetch "$TOKENS_SPEC")"; TOKENS_VERSION="$(pkg_version "$P")"
TOKENS_LICENSE="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("license","?"))' "$P/package.json")"
TOKENS_CSS_SRC="$P/$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("style","dist/tokens.css"))' "$P/package.json")"
python3 - "$TOKENS_CSS_SRC" "$P/dist/tokens.js" "$TOKENS_VERSION" >"$TMP/tokens.css" <<'PY'
import re, sys
css_path, js_path, version = sys.argv[1:4]
css = open(css_path, encoding="utf-8").read()
have = set(re.findall(r"(--[a-z0-9-]+)\s*:", css))

def var_name(key):
    parts = key.split(".")
    return "--" + "-".join(re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", p).lower() for p in parts)

js = open(js_path, encoding="utf-8").read() if js_path else ""
# Top-level token entries look like: key: "{A.B.C}", $type: "t", $value: <v>,
tokens = re.findall(
    r'key: "\{([^}]+)\}",\s*\$type: "[^"]*",\s*\$value: ("(?:[^"\\]|\\.)*"|-?[\d.]+),', js)
missing = []
for key, value in tokens:
    name = var_name(key)
    if name not in have:
        value = value[1:-1] if value.startswith('"') else value
        missing.append((name, value))
        have.add(name)

sys.stdout.write(css.rstrip("\n") + "\n")
if missing:
    sys.stdout.write(
        "\n/**\n * Added by scripts/vendor_assets.sh: tokens defined in dist/tokens.js of\n"
        f" * @digital-go-jp/design-tokens {version} but missing from dist/tokens.css.\n */\n\n:root {{\n")
    for name, value in missing:
        sys.stdout.write(f"  {name}: {value};\n")
    sys.stdout.write("}\n")
for name, _ in missing:
    print(f"    + {name}", file=sys.stderr)
PY
install_file "$TMP/tokens.css" "$VENDOR" "digital-go-jp-design-tokens-$TOKENS_VERSION.css" 'digital-go-jp-design-tokens-*.css'

# ---------------------------------------------------------------- BIZ UDPGothic web font
# Reuse fontsource's 400.css / 700.css (Google Fonts style unicode-range
# slices: ~120 Japanese slices + latin, latin-ext, greek-ext, cyrillic),
# keeping only the woff2 sources. Browsers fetch only the slices they need.
log "BIZ UDPGothic web font ($FONTSOURCE_SPEC)"
P="$(npm_fetch "$FONTSOURCE_SPEC")"; FS_VERSION="$(pkg_version "$P")"
FS_LICENSE="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("license","?"))' "$P/package.json")"
FS_NAME="biz-udpgothic-$FS_VERSION"
STAGE="$TMP/$FS_NAME"
mkdir -p "$STAGE/files"
python3 - "$P" "$STAGE" "$FS_VERSION" <<'PY'
import os, re, shutil, sys
pkg, stage, version = sys.argv[1:4]
out = [f"/* BIZ UDPGothic 400/700 from @fontsource/biz-udpgothic {version} (OFL-1.1).\n"
       " * Generated by scripts/vendor_assets.sh from the package's 400.css and 700.css;\n"
       " * woff2 only, url()s relative to this file. */\n"]
count = 0
for weight in ("400", "700"):
    css = open(os.path.join(pkg, f"{weight}.css"), encoding="utf-8").read()
    def fix_src(m):
        urls = re.findall(r"url\(\./files/([^)]+\.woff2)\)", m.group(0))
        if len(urls) != 1:
            sys.exit(f"unexpected src in {weight}.css: {m.group(0)}")
        shutil.copy2(os.path.join(pkg, "files", urls[0]), os.path.join(stage, "files", urls[0]))
        return f"src: url(./files/{urls[0]}) format('woff2');"
    css, n = re.subn(r"src:[^;]*;", fix_src, css)
    count += n
    css = re.sub(r"font-display:\s*[a-z]+;", "font-display: swap;", css)
    out.append(f"\n/* ---- weight {weight} ---- */\n" + css.strip() + "\n")
open(os.path.join(stage, "font.css"), "w", encoding="utf-8").write("".join(out))
shutil.copy2(os.path.join(pkg, "LICENSE"), os.path.join(stage, "LICENSE"))
print(f"    {count} @font-face rules, {len(os.listdir(os.path.join(stage, 'files')))} woff2 files", file=sys.stderr)
PY
install_dir "$STAGE" "$VENDOR" "$FS_NAME" 'biz-udpgothic-*'

# ---------------------------------------------------------------- PDF TrueType font (Debian)
log "PDF font ($DEB_FONT_PKG, Debian)"
mkdir -p "$TMP/deb" && chmod 777 "$TMP/deb"
(cd "$TMP/deb" && apt-get download -q "$DEB_FONT_PKG" >/dev/null)
DEB="$(ls "$TMP"/deb/*.deb)"
DEB_VERSION="$(dpkg-deb -f "$DEB" Version)"
dpkg-deb -x "$DEB" "$TMP/deb/x"
for f in BIZUDPGothic-Regular.ttf BIZUDPGothic-Bold.ttf; do
  src="$(find "$TMP/deb/x" -name "$f" -print -quit)"
  [ -n "$src" ] || { echo "error: $f not in $DEB" >&2; exit 1; }
  install_file "$src" "$FONTS" "$f" "$f"
done
# OFL text: upstream's OFL.txt if shipped, else the Debian copyright file.
LIC_SRC="$(find "$TMP/deb/x" -iname 'OFL*.txt' -print -quit)"
[ -n "$LIC_SRC" ] || LIC_SRC="$TMP/deb/x/usr/share/doc/$DEB_FONT_PKG/copyright"
install_file "$LIC_SRC" "$FONTS" "LICENSE-BIZUDGothic.txt" "LICENSE-BIZUDGothic.txt"

# ---------------------------------------------------------------- README
log "README"
cat >"$TMP/README.md" <<EOF
# Vendored assets

Third-party files committed so the project never needs Node at install or run time.
Do not edit by hand; refresh with \`scripts/vendor_assets.sh\`.

| File | Version | Source package | Licence |
|------|---------|----------------|---------|
| \`htmx-$HTMX_VERSION.min.js\` | $HTMX_VERSION | npm \`htmx.org\` (dist/htmx.min.js) | $HTMX_LICENSE |
| \`leaflet-$LEAFLET_VERSION/\` (leaflet.js, leaflet.css, images/) | $LEAFLET_VERSION | npm \`leaflet\` (dist/) — the map on /shops/ | $LEAFLET_LICENSE |
| \`axe-core-$AXE_VERSION.min.js\` | $AXE_VERSION | npm \`axe-core\` (axe.min.js) — accessibility tests only | $AXE_LICENSE |
| \`digital-go-jp-design-tokens-$TOKENS_VERSION.css\` | $TOKENS_VERSION | npm \`@digital-go-jp/design-tokens\` (dist/tokens.css) | $TOKENS_LICENSE |
| \`$FS_NAME/\` (font.css, files/*.woff2) | $FS_VERSION | npm \`@fontsource/biz-udpgothic\` (400/700, woff2) | $FS_LICENSE |
| \`src/enishi/core/fonts/BIZUDPGothic-{Regular,Bold}.ttf\` (+ LICENSE-BIZUDGothic.txt) | $DEB_VERSION | Debian \`$DEB_FONT_PKG\` (PDF generation, ReportLab) | OFL-1.1 |
EOF
install_file "$TMP/README.md" "$VENDOR" "README.md" "README.md"

log "done. sizes:"
du -sh "$VENDOR"/* "$FONTS"/BIZUDPGothic-*.ttf | sed 's/^/  /'
