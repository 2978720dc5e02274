package com.mobilitycorp.fleet.testing.stack;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LocalS3 over plain HTTP with hand-made AWS signature V2 requests (no SDK here): signed requests
 * with its keys work, unsigned or wrongly signed ones are refused, and list() shows what was
 * written through the API.
 */
class LocalS3Test {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir static Path workDir;
  private static LocalS3 s3;

  @BeforeAll
  static void start() {
    s3 = LocalS3.start(workDir, "test-bucket");
  }

  @AfterAll
  static void stop() {
    if (s3 != null) {
      s3.close();
    }
  }

  @Test
  void signedPutAndGetWorkAndListShowsTheObjectAtAnyDepth() throws Exception {
    byte[] body = "checkpoint bytes".getBytes(StandardCharsets.UTF_8);
    String key = "checkpoints/job-1/chk-3/_metadata";

    assertThat(send("PUT", key, body, s3.secretKey()).statusCode(), is(200));
    HttpResponse<String> get = send("GET", key, null, s3.secretKey());
    assertThat(get.statusCode(), is(200));
    assertThat(get.body(), is("checkpoint bytes"));

    assertThat(s3.list("checkpoints/"), equalTo(Map.of(key, (long) body.length)));
    assertThat(s3.list("other/"), equalTo(Map.of()));
    assertThat(Files.exists(s3.objectsDir().resolve("test-bucket").resolve(key)), is(true));
    assertThat(s3.uri("/checkpoints"), is("s3://test-bucket/checkpoints"));
  }

  @Test
  void unsignedOrWronglySignedRequestsAreRefused() throws Exception {
    String key = "private/object";
    assertThat(send("PUT", key, new byte[] {1, 2, 3}, s3.secretKey()).statusCode(), is(200));
    URI object = URI.create(s3.endpoint() + "/test-bucket/" + key);
    HttpResponse<String> anonymousGet =
        HTTP.send(HttpRequest.newBuilder(object).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(anonymousGet.statusCode(), is(403));
    HttpResponse<String> anonymousPut =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(s3.endpoint() + "/test-bucket/anonymous"))
                .PUT(HttpRequest.BodyPublishers.ofString("x"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(anonymousPut.statusCode(), is(403));
    assertThat(send("GET", key, null, s3.secretKey() + "wrong").statusCode(), is(403));
    assertThat(s3.list("anonymous"), equalTo(Map.of()));
  }

  @Test
  void everyStartHasFreshCredentials() {
    try (LocalS3 other = LocalS3.start(workDir.resolve("other"), "b")) {
      assertThat(other.accessKey(), not(s3.accessKey()));
      assertThat(other.secretKey(), not(s3.secretKey()));
      assertThat(other.port(), not(s3.port()));
    }
  }

  /** One request signed with AWS signature V2 (HMAC-SHA1 over verb, date and resource). */
  private static HttpResponse<String> send(String method, String key, byte[] body, String secret)
      throws Exception {
    String resource = "/" + s3.bucket() + "/" + key;
    String date =
        DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC));
    String contentType = body == null ? "" : "application/octet-stream";
    String toSign = method + "\n\n" + contentType + "\n" + date + "\n" + resource;
    Mac mac = Mac.getInstance("HmacSHA1");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
    String signature =
        Base64.getEncoder().encodeToString(mac.doFinal(toSign.getBytes(StandardCharsets.UTF_8)));
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(s3.endpoint() + resource))
            .header("Date", date)
            .header("Authorization", "AWS " + s3.accessKey() + ":" + signature);
    if (body == null) {
      request.GET();
    } else {
      request.header("Content-Type", contentType)
          .method(method, HttpRequest.BodyPublishers.ofByteArray(body));
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
