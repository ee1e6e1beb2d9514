#!/usr/bin/env bash
# nginx_cli.sh: dauys serve behind Debian's nginx, configured as
# docs/SERVER.md ("Deployment behind nginx") says: TLS terminated by nginx,
# the tiles served by nginx as static files straight from the tiles
# directory, /v1/ proxied to dauys serve. Over loopback only, ports chosen
# free by the test. Checks that submissions through nginx are recorded, that
# the tiles through nginx are byte for byte the server's with the cache
# headers the specification asks for, compressed entry bundles when asked,
# and that an observer's follower works through nginx (over https, with the
# test's own certificate authority).
#
#   nginx_cli.sh /path/to/dauys /path/to/dauys-audit

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 2
. "$(dirname "${BASH_SOURCE[0]}")/serve_lib.sh" || exit 2
TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")/../tools" && pwd)
cli_args "$@"
cli_workdir nginx

run() {
    CMD="$*"
    OUT=$(setsid "$@" 2>&1)
    RC=$?
}

# A free loopback port: bound by Python, released, then given to nginx.
free_port() {
    /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

section "a mock referendum and dauys serve"
serve_inputs 300
serve_workspace in ws
SERVE_INTERVAL=100ms serve_start ws in/keys/central.key
backend=$SERVE_URL

section "a certificate authority and nginx's certificate for 127.0.0.1"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=dauys test CA" -keyout ca.key -out ca.pem 2>/dev/null &&
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
        -keyout tls.key -out tls.csr 2>/dev/null &&
    printf 'subjectAltName=IP:127.0.0.1\n' >san.ext &&
    openssl x509 -req -in tls.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
        -extfile san.ext -out tls.pem 2>/dev/null ||
    { echo "nginx_cli: openssl could not make the certificates" >&2; exit 2; }
pass

section "nginx in front (the configuration of docs/SERVER.md)"
https_port=$(free_port)
mkdir -p nginx/logs nginx/tmp
user_line=""
[ "$(id -u)" -eq 0 ] && user_line="user $(id -un) $(id -gn);" # the workers read WORK (0700)
cat >nginx/nginx.conf <<EOF
$user_line
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path $WORK/nginx/tmp/body;
    proxy_temp_path $WORK/nginx/tmp/proxy;
    fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
    scgi_temp_path $WORK/nginx/tmp/scgi;

    server {
        listen 127.0.0.1:$https_port ssl;
        ssl_certificate $WORK/tls.pem;
        ssl_certificate_key $WORK/tls.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        client_header_timeout 10s;   # slow headers end here, not at dauys serve

        root $WORK/ws/tiles;
        # The checkpoint changes every interval: a short cache at most.
        location = /checkpoint {
            default_type "text/plain; charset=utf-8";
            add_header Cache-Control "no-cache" always;
            add_header X-Content-Type-Options nosniff always;
        }
        # Tiles and entry bundles never change once written.
        location /tile/ {
            types { }
            default_type application/octet-stream;
            add_header Cache-Control "public, max-age=31536000, immutable" always;
            add_header X-Content-Type-Options nosniff always;
            gzip on;
            gzip_types application/octet-stream;
            gzip_min_length 256;
        }
        # Submissions, status, receipts: to dauys serve.
        location /v1/ {
            proxy_pass $backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            client_max_body_size 96k;
            client_body_timeout 10s;
        }
        location = / { proxy_pass $backend; }
        location = /live { proxy_pass $backend; }
    }
}
EOF
nginx -t -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" >nginx/test.out 2>&1 ||
    { cat nginx/test.out >&2; echo "nginx_cli: nginx refused the configuration" >&2; exit 2; }
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g "daemon off;" 2>>nginx/logs/stderr &
nginx_pid=$!
serve_on_exit "kill $nginx_pid 2>/dev/null"
front="https://127.0.0.1:$https_port"
deadline=$(($(date +%s) + 20))
until curl -s --cacert ca.pem -o /dev/null "$front/checkpoint"; do
    [ "$(date +%s)" -lt "$deadline" ] || { cat nginx/logs/error.log >&2; exit 2; }
    sleep 0.05
done
pass

section "submissions through nginx are recorded"
# A TLS handshake per curl process is slow: the first 20 files go through
# nginx, the rest straight to dauys serve (a full tile needs 256 entries).
i=0
for f in in/incoming/*.txt; do
    i=$((i + 1))
    url=$backend/v1/protocols
    [ "$i" -le 20 ] && url=$front/v1/protocols
    code=$(curl -s --cacert ca.pem -o answer.json -w '%{http_code}' \
        -F "protocol=@$f" -F "signature=@$f.minisig" "$url")
    case $code in
    200 | 422) ;; # 422: the demo's unsigned and replayed files, refused as without nginx
    *) fail "POST $f ($url)" "status $code: $(cat answer.json)" ;;
    esac
    [ "$i" -le 20 ] && [ "$code" = 200 ] && through=$((${through:-0} + 1))
done
[ "${through:-0}" -ge 19 ] && pass || fail "submissions through nginx" "only ${through:-0} of 20 got 200"
entries=$(serve_log_size ws)
serve_wait_checkpoint "$entries" 30 && pass || fail "checkpoint" "no checkpoint of $entries entries"

section "the tiles through nginx are the server's, with the right headers"
note_nginx=$(curl -s --cacert ca.pem "$front/checkpoint")
note_serve=$(curl -s "$backend/checkpoint")
size=$(sed -n 2p <<<"$note_nginx")
# the two may be one interval apart: wait for the same size on both
expect_eq "checkpoint origin" "$(head -1 <<<"$note_nginx")" "$(head -1 <<<"$note_serve")"
full=$((size / 256))
[ "$full" -ge 1 ] || { fail "tiles" "the log has only $size entries"; }
curl -s --cacert ca.pem -D h1 -o t_nginx "$front/tile/0/000"
curl -s -o t_serve "$backend/tile/0/000"
cmp -s t_nginx t_serve && pass || fail "tile 0/000" "nginx's bytes differ from dauys serve's"
[ "$(stat -c %s t_nginx)" -eq 8192 ] && pass || fail "tile 0/000" "not 8192 bytes"
grep -qi '^cache-control: public, max-age=31536000, immutable' h1 && pass ||
    fail "tile headers" "no immutable cache header: $(cat h1)"
curl -s --cacert ca.pem -D h2 -o /dev/null "$front/checkpoint"
grep -qi '^cache-control: no-cache' h2 && pass || fail "checkpoint headers" "no short cache"
curl -s --cacert ca.pem -H 'Accept-Encoding: gzip' -D h3 -o b.gz "$front/tile/entries/000"
if grep -qi '^content-encoding: gzip' h3; then
    gunzip -c b.gz >b && curl -s -o b_serve "$backend/tile/entries/000" && cmp -s b b_serve &&
        pass || fail "entry bundle gzip" "decompressed bundle differs"
else
    fail "entry bundle gzip" "nginx did not compress the bundle: $(cat h3)"
fi
code=$(curl -s --cacert ca.pem -o /dev/null -w '%{http_code}' --path-as-is "$front/tile/../../etc/passwd")
[ "$code" = 400 ] || [ "$code" = 404 ] || [ "$code" = 403 ] && pass ||
    fail "traversal through nginx" "status $code"

section "an observer follows the log through nginx (https, the test's CA)"
if "$AUDIT" follow --help 2>/dev/null | grep -q -- '--cacert'; then
    run "$AUDIT" follow "$front" -p in/keys/central.pub --state obs --once --cacert ca.pem
    [ "$RC" -eq 0 ] && pass || fail "follow through nginx" "exit $RC: $OUT"
    kept=$(sed -n 2p obs/checkpoint 2>/dev/null)
    [ -n "$kept" ] && [ "$kept" -ge "$size" ] && pass || fail "follow's checkpoint" "kept '$kept'"
else
    fail "follow through nginx" "dauys-audit follow has no --cacert option"
fi
/usr/bin/python3 "$TOOLS/tiles.py" verify "$WORK/ws/tiles" \
    --pub in/keys/central.pub --origin "$(head -1 <<<"$note_serve")" >tiles.out 2>&1 &&
    pass || fail "tiles.py verify" "$(cat tiles.out)"

section "clean stop"
serve_stop
[ "$SERVE_RC" -eq 0 ] && pass || fail "dauys serve stop" "exit $SERVE_RC"
kill "$nginx_pid"
wait "$nginx_pid" 2>/dev/null
summary
