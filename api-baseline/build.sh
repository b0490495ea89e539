#!/bin/sh
# Rebuilds api-baseline/repo: the 0.1.0 plugin contract (ferry-framework and ferry-testkit as they
# were at commit db83850, the last one before contract v2), in a Maven file repository under the
# version 0.1.0, for bnd-baseline-maven-plugin to compare every build's exported packages with.
# Ferry 0.1.0 was never published to Maven Central, so the baseline is built from git history.
# Run from the repository root; needs git, Maven and the dependencies in the local repository.
set -eu
BASE_COMMIT=db83850
ROOT=$(pwd)
WORK=$(mktemp -d)
trap 'git -C "$ROOT" worktree remove --force "$WORK/src" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
git worktree add --detach "$WORK/src" "$BASE_COMMIT" >/dev/null
(cd "$WORK/src" && mvn -q -o package -DskipTests -pl framework/core,framework/testkit)
rm -rf "$ROOT/api-baseline/repo"
for module in framework/core:ferry-framework framework/testkit:ferry-testkit; do
  dir=${module%%:*}
  artifact=${module##*:}
  mvn -q org.apache.maven.plugins:maven-deploy-plugin:3.1.4:deploy-file \
    -Dfile="$WORK/src/$dir/target/$artifact-0.1.0-SNAPSHOT.jar" \
    -DgroupId=io.ferry -DartifactId="$artifact" -Dversion=0.1.0 -Dpackaging=jar -DgeneratePom=true \
    -Durl="file://$ROOT/api-baseline/repo"
done
