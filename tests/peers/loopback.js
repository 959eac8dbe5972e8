// Preloaded with `node -r` by tests/support/peers.py: Learning Locker's server.js calls
// app.listen(port), which listens on every interface; the test peer must only listen on
// 127.0.0.1. A listen(port, ...) without a host gets 127.0.0.1 inserted as the host.
'use strict';
const net = require('net');

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function listenOnLoopback(...args) {
  const isPort = typeof args[0] === 'number' || /^\d+$/.test(String(args[0]));
  if (isPort && typeof args[1] !== 'string') {
    args.splice(1, 0, '127.0.0.1');
  }
  return listen.apply(this, args);
};
