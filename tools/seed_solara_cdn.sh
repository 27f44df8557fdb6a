#!/usr/bin/env bash
# Fill Solara's CDN proxy cache from the npm registry so the dashboard works with no internet
# (many health-service networks block public CDNs).  Usage: seed_solara_cdn.sh CACHE_DIR
# Solara reads <venv>/share/solara/cdn by default, so no environment variable is needed there.
set -euo pipefail
cache=$(realpath -m "$1"); mkdir -p "$cache"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
root=$(python -c "import solara, pathlib; print(pathlib.Path(solara.__file__).parent)")
# every "<pkg>@<x.y.z>/" that solara's page template, widgets and Markdown load through the cdn proxy
# (mermaid is left out: ~70 MB, only for mermaid diagrams in solara.Markdown)
pkgs=$(grep -rhoE '(\{\{cdn\}\}|\}|cdn)/(@[a-z0-9-]+/)?[a-z0-9.-]+@[0-9]+\.[0-9]+\.[0-9]+[a-z0-9.-]*/' \
         "$root/server/templates" "$root/widgets/vue" "$root/components/markdown.py" \
       | sed -E 's#^(\{\{cdn\}\}|\}|cdn)/##; s#/$##' | grep -v '^mermaid@' | sort -u)
pkgs="$pkgs requirejs@2.3.6 font-awesome@4.5.0"
if ! command -v npm >/dev/null 2>&1; then
  echo "seed_solara_cdn: npm not found; the dashboard will need internet access for its front-end assets" >&2
  exit 0
fi
for spec in $pkgs; do
  [ -d "$cache/$spec" ] && continue
  (cd "$tmp" && npm pack --silent "$spec" > name.txt)
  mkdir -p "$cache/$spec" && tar xzf "$tmp/$(cat "$tmp/name.txt")" -C "$cache/$spec" --strip-components=1
  echo "seeded $spec"
done
