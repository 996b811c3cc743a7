# Helpers for the scripts that start a poai-node of their own (e2e-dev.sh, e2e-production.sh);
# source it after env.sh. Loopback only; every wait is bounded.

# A free TCP port on 127.0.0.1.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_node NAME LOG_FILE ARGS…: starts poai-node with ARGS on fresh loopback ports, in the
# background, logging to LOG_FILE; sets NODE_PID and NODE_WS (its websocket RPC address) and
# stops the node when the script exits. Fails unless its RPC answers within 120 s.
STARTED_NODES=()
stop_started_nodes() {
	for pid in "${STARTED_NODES[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${STARTED_NODES[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_started_nodes EXIT
start_node() {
	local name=$1 log_file=$2
	shift 2
	local rpc_port p2p_port prometheus_port
	rpc_port=$(free_port)
	p2p_port=$(free_port)
	prometheus_port=$(free_port)
	"$POAI_NODE" "$@" --rpc-port "$rpc_port" --port "$p2p_port" --prometheus-port "$prometheus_port" \
		--no-mdns >"$log_file" 2>&1 &
	NODE_PID=$!
	STARTED_NODES+=("$NODE_PID")
	NODE_WS="ws://127.0.0.1:$rpc_port"
	for _ in $(seq 1 120); do
		kill -0 "$NODE_PID" 2>/dev/null || node_failed "$name" "$log_file" "poai-node exited during start-up"
		if curl -sf -H 'Content-Type: application/json' \
			-d '{"id":1,"jsonrpc":"2.0","method":"system_health","params":[]}' \
			"http://127.0.0.1:$rpc_port" >/dev/null; then
			return 0
		fi
		sleep 1
	done
	node_failed "$name" "$log_file" "RPC did not answer within 120 s"
}

# node_failed NAME LOG_FILE MESSAGE: prints MESSAGE and the end of the node's log, and exits 1.
node_failed() {
	echo "$1: $3" >&2
	echo "--- last lines of the node log ($2) ---" >&2
	tail -n 40 "$2" >&2 || true
	exit 1
}
