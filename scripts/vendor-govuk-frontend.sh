#!/usr/bin/env bash
# Takes GOV.UK Frontend's built files from npm into vendor/govuk-frontend/, which the binary
# embeds (src/api/forms/assets.rs) for the reference public form: nothing is fetched at run time
# and the build downloads nothing. Run by hand to move to another version, then commit the result:
#
#   bash scripts/vendor-govuk-frontend.sh 6.6.0
#
# What is taken: dist/govuk/govuk-frontend.min.css and .min.js. What is changed: the CSS's
# @font-face rules are removed, because the GDS Transport font (and the crown) are for
# GOV.UK's own services only; a council's pages fall back to the stack's Arial. No fonts or
# images are vendored.
set -euo pipefail
cd "$(dirname "$0")/.."
version=${1:?usage: vendor-govuk-frontend.sh VERSION}
out=vendor/govuk-frontend
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "govuk-frontend@${version}" >/dev/null && tar xzf "govuk-frontend-${version}.tgz")
dist="$work/package/dist/govuk"
mkdir -p "$out"
sed -E 's/@font-face\{[^}]*\}//g' "$dist/govuk-frontend.min.css" > "$out/govuk-frontend.min.css"
# The source map comment names a file not vendored.
sed -E 's#//\# sourceMappingURL=[^ ]*$##' "$dist/govuk-frontend.min.js" > "$out/govuk-frontend.min.js"
echo "$version" > "$out/VERSION"
node -e 'const p=require(process.argv[1]); if (p.license !== "MIT") { console.error("licence is now " + p.license); process.exit(1) }' "$work/package/package.json"
echo "vendored govuk-frontend $version into $out"
