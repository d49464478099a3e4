package org.mmapmtl.evalservice.access;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;
import org.mmapmtl.service.access.AccessProblems;
import org.mmapmtl.testing.LocalStackResource;
import org.mmapmtl.testing.TestIdentities;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.oneOf;

/** Who may read results, the dashboard and predictions (viewers and above), one assertion per cell. */
@QuarkusTest
@TestProfile(TestIdentities.AuthOn.class)
@WithTestResource(LocalStackResource.class)
class EvalAccessTest {
    static final String[] READS = {"/", "/experiments", "/results/unknown", "/leaderboard",
            "/experiments/unknown/progress"};

    static RequestSpecification as(String token) {
        return given().redirects().follow(false).header("Authorization", "Bearer " + token);
    }

    @Test
    void everyReadNeedsAViewerToken() {
        given().get("/q/health/ready").then().statusCode(200);
        for (String path : READS) {
            given().get(path).then().statusCode(401).contentType("application/problem+json")
                    .body("detail", containsString("role viewer"));
            as(TestIdentities.expired("vera", "viewer")).get(path).then().statusCode(401);
            as(TestIdentities.foreign("vera", "viewer")).get(path).then().statusCode(401);
            as(TestIdentities.token("nobody")).get(path).then().statusCode(403);
            for (String role : new String[] {"viewer", "researcher", "admin"}) {
                as(TestIdentities.token("vera", role)).get(path).then().statusCode(not(oneOf(401, 403)));
            }
        }
    }

    @Test
    void predictionsNeedAViewerToken() {
        given().multiPart("image", "x.png", new byte[] {1}).post("/predict").then().statusCode(401);
        as(TestIdentities.token("vera", "viewer")).multiPart("image", "x.png", new byte[] {1}).post("/predict")
                .then().statusCode(not(oneOf(401, 403)));
    }

    @Test
    void aBrowserWithoutAValidTokenIsToldHowToSignIn() {
        String browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        given().accept(browser).get("/?experiment=x").then().statusCode(401).contentType(containsString("text/html"))
                .header("WWW-Authenticate", "Bearer").body(containsString("Not signed in"))
                .body(containsString("./mmap up</code> or <code>./mmap demo</code> prints"));
        given().accept(browser).cookie(AccessProblems.COOKIE, TestIdentities.expired("vera", "viewer")).get("/")
                .then().statusCode(401).body(containsString("expired"));
        given().accept(browser).cookie(AccessProblems.COOKIE, TestIdentities.token("nobody")).get("/")
                .then().statusCode(403).contentType(containsString("text/html")).body(containsString("role viewer"));
    }

    @Test
    void theDashboardLogsInWithACookie() {
        String token = TestIdentities.token("vera", "viewer");
        given().redirects().follow(false).get("/login?token=" + token + "&next=/?experiment=x").then().statusCode(303)
                .header("Location", containsString("/?experiment=x"))
                .header("Set-Cookie", containsString(AccessProblems.COOKIE + "=" + token))
                .header("Set-Cookie", containsString("HttpOnly"));
        given().redirects().follow(false).get("/login?token=t&next=//elsewhere.example").then().statusCode(303)
                .header("Location", not(containsString("elsewhere")));
        given().cookie(AccessProblems.COOKIE, token).get("/").then().statusCode(200);
        given().cookie(AccessProblems.COOKIE, TestIdentities.expired("vera", "viewer")).get("/").then().statusCode(401);
    }
}
