package dev.graft.serve.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * A lean HTTP/1.1 client for the load test: one keep-alive connection, a POST written in one call, the answer read by
 * its {@code Content-Length} into a reused buffer. It costs the benchmark's client threads less CPU than
 * {@code HttpURLConnection} (clients and server share the process's cores), and it reconnects if the server closes
 * the connection. It knows only what the server sends: fixed-length bodies, no chunking, no redirects.
 */
final class SocketClient implements AutoCloseable {
    private final InetSocketAddress address;
    private final String host;
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private byte[] body = new byte[4096];
    private int bodyLength;

    SocketClient(URI base) {
        this.address = new InetSocketAddress(base.getHost(), base.getPort());
        this.host = base.getHost() + ":" + base.getPort();
    }

    /** POSTs {@code json} to {@code path}; returns the status, the body in {@link #body()}. */
    int post(String path, String json) throws IOException {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\nContent-Length: "
                + b.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = new byte[head.length + b.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(b, 0, all, head.length, b.length);
        if (socket == null) {
            connect();
        }
        try {
            out.write(all);
            out.flush();
            return read();
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    String body() {
        return new String(body, 0, bodyLength, StandardCharsets.UTF_8);
    }

    private void connect() throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(30_000);
        socket.connect(address, 10_000);
        in = new BufferedInputStream(socket.getInputStream(), 8192);
        out = socket.getOutputStream();
    }

    private int read() throws IOException {
        String status = line();
        if (!status.startsWith("HTTP/1.1 ") || status.length() < 12) {
            throw new IOException("not an HTTP/1.1 status line: " + status);
        }
        int code = Integer.parseInt(status.substring(9, 12));
        int length = -1;
        boolean close = false;
        for (String h; !(h = line()).isEmpty();) {
            int colon = h.indexOf(':');
            if (colon > 0) {
                String name = h.substring(0, colon).trim();
                String value = h.substring(colon + 1).trim();
                if (name.equalsIgnoreCase("Content-Length")) {
                    length = Integer.parseInt(value);
                } else if (name.equalsIgnoreCase("Connection") && value.equalsIgnoreCase("close")) {
                    close = true;
                } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                    throw new IOException("Transfer-Encoding " + value + " is not read by this client");
                }
            }
        }
        if (length < 0) {
            throw new IOException("answer without Content-Length");
        }
        if (body.length < length) {
            body = new byte[Math.max(length, 2 * body.length)];
        }
        int at = 0;
        while (at < length) {
            int r = in.read(body, at, length - at);
            if (r < 0) {
                throw new IOException("connection closed after " + at + " of " + length + " body bytes");
            }
            at += r;
        }
        bodyLength = length;
        if (close) {
            close();
        }
        return code;
    }

    private final StringBuilder sb = new StringBuilder();

    private String line() throws IOException {
        sb.setLength(0);
        for (int c; (c = in.read()) != '\n';) {
            if (c < 0) {
                throw new IOException("connection closed in the headers");
            }
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
            socket = null;
        }
    }
}
