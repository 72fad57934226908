#!/bin/sh
# Makes a throwaway CA, a server certificate for 127.0.0.1/localhost and two client
# certificates (CN=alice, trusted; CN=mallory, signed by another CA) in folder $1.
set -eu
dir=$1
mkdir -p "$dir"
cd "$dir"
ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
openssl req -x509 $ec -keyout ca.key -out ca.crt -days 2 -subj "/CN=fake-ca" 2>/dev/null
openssl req -x509 $ec -keyout other-ca.key -out other-ca.crt -days 2 -subj "/CN=other-ca" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\n' > server.ext
openssl req $ec -keyout server.key -out server.csr -subj "/CN=fake-apiserver" 2>/dev/null
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
  -extfile server.ext -out server.crt 2>/dev/null
openssl req $ec -keyout alice.key -out alice.csr -subj "/CN=alice" 2>/dev/null
openssl x509 -req -in alice.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
  -out alice.crt 2>/dev/null
openssl req $ec -keyout mallory.key -out mallory.csr -subj "/CN=mallory" 2>/dev/null
openssl x509 -req -in mallory.csr -CA other-ca.crt -CAkey other-ca.key -CAcreateserial -days 2 \
  -out mallory.crt 2>/dev/null
