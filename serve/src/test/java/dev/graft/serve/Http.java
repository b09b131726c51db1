package dev.graft.serve;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/** A plain JDK HTTP client for tests (HttpURLConnection keeps connections alive between calls). */
public final class Http {
    private final URI base;

    public Http(URI base) {
        this.base = base;
    }

    public record Reply(int status, String body) {
        JsonElement json() {
            return JsonParser.parseString(body);
        }

        String error() {
            return json().getAsJsonObject().get("error").getAsString();
        }
    }

    public Reply post(String path, String body) throws IOException {
        return post(path, body.getBytes(StandardCharsets.UTF_8));
    }

    Reply post(String path, byte[] body) throws IOException {
        HttpURLConnection c = open(path);
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        // no streaming mode: headers and body leave in one write (two small writes would meet Nagle's algorithm)
        c.setRequestProperty("Content-Type", "application/json");
        try (OutputStream o = c.getOutputStream()) {
            o.write(body);
        } catch (IOException e) {
            // the server may answer (413) and close before the whole body is sent: read that answer
            return read(c);
        }
        return read(c);
    }

    Reply get(String path) throws IOException {
        HttpURLConnection c = open(path);
        c.setRequestMethod("GET");
        return read(c);
    }

    private HttpURLConnection open(String path) throws IOException {
        HttpURLConnection c = (HttpURLConnection) base.resolve(path).toURL().openConnection();
        c.setConnectTimeout(10_000);
        c.setReadTimeout(30_000);
        return c;
    }

    private static Reply read(HttpURLConnection c) throws IOException {
        int status = c.getResponseCode();
        InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
        String body = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        if (in != null) {
            in.close();
        }
        return new Reply(status, body);
    }
}
