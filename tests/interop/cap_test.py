#!/usr/bin/env python3
"""sitrep's CAP 1.2 output read by independent readers (label interop).

A real sitrepd (free ports, own data dir) gets updates through the real
`sitrep publish`; then
  - every GET /v1/cap/<sequence>.xml is parsed by Python's own XML reader
    (xml.etree, not sitrep's encoder) and checked against OASIS CAP v1.2
    (no package ships the CAP 1.2 XSD, so each check below names the
    section of the standard's text it comes from);
  - each alert is mapped back to an update by this file's own reading of
    docs/interop.md, and compared with the stored update (GET /v1/updates):
    update -> CAP -> update keeps every field CAP or a sitrep: parameter
    carries;
  - GET /v1/cap/alerts.atom is read by Debian's feedparser (python3-feedparser):
    a well-formed Atom feed of the current alerts, exercises only when the
    filter asks for them.

Usage: cap_test.py SITREPD SITREP
Exit 0 on success, 1 on failure, 77 (skip) when feedparser is missing,
except under CI=true, where a missing tool fails.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import xml.etree.ElementTree as ET

try:
    import feedparser
except ImportError:
    if os.environ.get("CI") == "true":
        print("cap_test: FAILED: python3-feedparser is not installed "
              "(scripts/install-deps.sh)", file=sys.stderr)
        sys.exit(1)
    print("cap_test: SKIPPED: python3-feedparser is not installed "
          "(scripts/install-deps.sh)")
    sys.exit(77)

CAP = "urn:oasis:names:tc:emergency:cap:1.2"
NS = {"cap": CAP}
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


def q(name):
    return f"{{{CAP}}}{name}"


# --- The server -------------------------------------------------------------

def wait_for_file(path, server, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"sitrepd exited with {server.returncode}")
        if os.path.exists(path):
            with open(path) as f:
                text = f.read().strip()
            if text:
                return int(text)
        time.sleep(0.05)  # polling a file the child writes; bounded above
    raise RuntimeError(f"sitrepd did not write {path} within {seconds} s")


def publish(sitrep, grpc_port, update):
    result = subprocess.run(
        [sitrep, "publish", "-", "-o", "json", f"--server=127.0.0.1:{grpc_port}"],
        input=json.dumps(update), capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        raise RuntimeError(f"publish {update.get('headline')}: {result.stderr}")
    return int(json.loads(result.stdout)["sequence"])


def get(http_port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{http_port}{path}", timeout=20) as r:
        return r.headers.get("Content-Type"), r.read()


def post(http_port, path, body):
    request = urllib.request.Request(f"http://127.0.0.1:{http_port}{path}", data=body,
                                     headers={"Content-Type": "application/cap+xml"})
    try:
        with urllib.request.urlopen(request, timeout=20) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


# --- Checks from the standard's text ---------------------------------------

# CAP 1.2 section 3.3.2: "2002-05-24T16:49:00-07:00"; "Z" is not allowed.
DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d$")

# The element order of Appendix A (the XML schema's sequences).
ALERT_ORDER = ["identifier", "sender", "sent", "status", "msgType", "source",
               "scope", "restriction", "addresses", "code", "note",
               "references", "incidents", "info"]
INFO_ORDER = ["language", "category", "event", "responseType", "urgency",
              "severity", "certainty", "audience", "eventCode", "effective",
              "onset", "expires", "senderName", "headline", "description",
              "instruction", "web", "contact", "parameter", "resource", "area"]
AREA_ORDER = ["areaDesc", "polygon", "circle", "geocode", "altitude", "ceiling"]


def local(tag):
    return tag.split("}", 1)[1] if tag.startswith("{") else tag


def check_order(element, order, where):
    names = [local(child.tag) for child in element]
    for name in names:
        check(name in order, f"{where}: element <{name}> is not part of CAP 1.2")
    ranks = [order.index(n) for n in names if n in order]
    check(ranks == sorted(ranks), f"{where}: elements out of the schema's order: {names}")


def one(element, name, where, section):
    found = element.findall(f"cap:{name}", NS)
    check(len(found) == 1, f"{where}: <{name}> must appear once (CAP 1.2 {section}), "
                           f"found {len(found)}")
    return found[0].text if found else None


def check_point(text, where):
    lat, lon = (float(v) for v in text.split(","))
    # CAP 1.2 section 3.2.4: WGS 84 coordinate pairs.
    check(-90 <= lat <= 90 and -180 <= lon <= 180, f"{where}: {text} is no WGS 84 point")
    return lat, lon


def check_alert(alert, where):
    """Checks one <alert> against CAP 1.2's text; returns its <info>."""
    check(alert.tag == q("alert"), f"{where}: the root is not cap:alert (CAP 1.2 3.3.1)")
    check_order(alert, ALERT_ORDER, where)
    identifier = one(alert, "identifier", where, "3.2.1")
    # 3.2.1 identifier and sender: no spaces, commas or restricted characters.
    for name, value in (("identifier", identifier), ("sender", one(alert, "sender", where, "3.2.1"))):
        check(value and not re.search(r"[\s,<&]", value),
              f"{where}: <{name}> '{value}' has a space, comma or < & (CAP 1.2 3.2.1)")
    sent = one(alert, "sent", where, "3.2.1")
    check(sent and DATETIME.match(sent), f"{where}: <sent> '{sent}' is no CAP DateTime (3.3.2)")
    check(one(alert, "status", where, "3.2.1") in
          ("Actual", "Exercise", "System", "Test", "Draft"), f"{where}: <status> (3.2.1)")
    check(one(alert, "msgType", where, "3.2.1") in
          ("Alert", "Update", "Cancel", "Ack", "Error"), f"{where}: <msgType> (3.2.1)")
    scope = one(alert, "scope", where, "3.2.1")
    check(scope in ("Public", "Restricted", "Private"), f"{where}: <scope> (3.2.1)")
    # 3.2.1: restriction "used when scope value is Restricted".
    check((alert.find("cap:restriction", NS) is not None) == (scope == "Restricted"),
          f"{where}: <restriction> goes with scope Restricted only (3.2.1)")
    references = alert.find("cap:references", NS)
    if references is not None:
        # 3.2.1: "sender,identifier,sent" triples separated by whitespace.
        for triple in references.text.split():
            parts = triple.split(",")
            check(len(parts) == 3 and DATETIME.match(parts[2]),
                  f"{where}: reference '{triple}' is no sender,identifier,sent (3.2.1)")
    infos = alert.findall("cap:info", NS)
    check(len(infos) == 1, f"{where}: one <info> expected, found {len(infos)}")
    info = infos[0]
    check_order(info, INFO_ORDER, f"{where} info")
    # 3.2.2: category one or more of the listed values.
    categories = [c.text for c in info.findall("cap:category", NS)]
    check(categories and all(c in ("Geo", "Met", "Safety", "Security", "Rescue", "Fire",
                                   "Health", "Env", "Transport", "Infra", "CBRNE",
                                   "Other") for c in categories),
          f"{where}: <category> {categories} (3.2.2)")
    check(one(info, "event", where, "3.2.2"), f"{where}: <event> is required (3.2.2)")
    check(one(info, "urgency", where, "3.2.2") in
          ("Immediate", "Expected", "Future", "Past", "Unknown"), f"{where}: <urgency> (3.2.2)")
    check(one(info, "severity", where, "3.2.2") in
          ("Extreme", "Severe", "Moderate", "Minor", "Unknown"), f"{where}: <severity> (3.2.2)")
    check(one(info, "certainty", where, "3.2.2") in
          ("Observed", "Likely", "Possible", "Unlikely", "Unknown"),
          f"{where}: <certainty> (3.2.2)")
    for response in info.findall("cap:responseType", NS):
        check(response.text in ("Shelter", "Evacuate", "Prepare", "Execute", "Avoid",
                                "Monitor", "Assess", "AllClear", "None"),
              f"{where}: <responseType> {response.text} (3.2.2)")
    for name in ("effective", "onset", "expires"):
        for element in info.findall(f"cap:{name}", NS):
            check(DATETIME.match(element.text), f"{where}: <{name}> (3.3.2)")
    for parameter in info.findall("cap:parameter", NS):
        check(parameter.find("cap:valueName", NS) is not None and
              parameter.find("cap:value", NS) is not None,
              f"{where}: <parameter> needs valueName and value (3.2.2)")
    for area in info.findall("cap:area", NS):
        check_order(area, AREA_ORDER, f"{where} area")
        one(area, "areaDesc", where, "3.2.4")
        for polygon in area.findall("cap:polygon", NS):
            pairs = polygon.text.split()
            # 3.2.4: "a minimum of four coordinate pairs", first and last equal.
            check(len(pairs) >= 4 and pairs[0] == pairs[-1],
                  f"{where}: <polygon> must be closed with at least 4 pairs (3.2.4)")
            for pair in pairs:
                check_point(pair, where)
        for circle in area.findall("cap:circle", NS):
            point, radius = circle.text.split()
            check_point(point, where)
            check(float(radius) >= 0, f"{where}: <circle> radius (3.2.4)")
    return info


# --- CAP back to an update (this file's own reading of docs/interop.md) ----

STATUS = {"Actual": "STATUS_ACTUAL", "Exercise": "STATUS_EXERCISE", "Test": "STATUS_TEST"}
WORD = lambda prefix, text: prefix + re.sub(r"(?<!^)([A-Z])", r"_\1", text).upper()


def cap_to_update(alert):
    info = alert.find("cap:info", NS)
    params = {p.find("cap:valueName", NS).text: p.find("cap:value", NS).text
              for p in info.findall("cap:parameter", NS)}
    u = {
        "sequence": params["sitrep:sequence"],
        "eventId": params["sitrep:event_id"],
        "mission": params["sitrep:mission"],
        "role": params["sitrep:role"],
        "category": params["sitrep:category"],
        "severity": "SEVERITY_" + info.find("cap:severity", NS).text.upper(),
        "headline": info.find("cap:headline", NS).text,
        "publisher": alert.find("cap:source", NS).text,
        "status": STATUS[alert.find("cap:status", NS).text],
        "urgency": "URGENCY_" + info.find("cap:urgency", NS).text.upper(),
        "certainty": "CERTAINTY_" + info.find("cap:certainty", NS).text.upper(),
    }
    for key, element in (("description", "description"), ("instruction", "instruction"),
                         ("language", "language")):
        found = info.find(f"cap:{element}", NS)
        if found is not None:
            u[key] = found.text
    if "sitrep:kind" in params:
        u["kind"] = params["sitrep:kind"]
        u["incidentId"] = alert.find("cap:incidents", NS).text
    if "sitrep:incident_version" in params:
        u["incidentVersion"] = params["sitrep:incident_version"]
    if "sitrep:target_tier" in params:
        u["targetTier"] = params["sitrep:target_tier"]
    responses = [WORD("RESPONSE_TYPE_", r.text) for r in info.findall("cap:responseType", NS)]
    if responses:
        u["responseTypes"] = responses
    scope = alert.find("cap:scope", NS).text
    restriction = alert.find("cap:restriction", NS)
    if scope == "Public":
        u["releasability"] = {"scope": "SCOPE_PUBLIC"}
    elif restriction is not None and not restriction.text.startswith("sitrep readers"):
        u["releasability"] = {"scope": "SCOPE_RESTRICTED", "restriction": restriction.text}
    labels = {k[len("sitrep:label:"):]: v for k, v in params.items()
              if k.startswith("sitrep:label:")}
    if labels:
        u["labels"] = labels
    onset = info.find("cap:onset", NS)
    if onset is not None:
        u["occurredAt"] = onset.text
    expires = info.find("cap:expires", NS)
    if expires is not None:
        u["expiresAt"] = expires.text
    location = {}
    if "sitrep:place" in params:
        location["place"] = params["sitrep:place"]
    area = info.find("cap:area", NS)
    if area is not None:
        shape = {}
        for polygon in area.findall("cap:polygon", NS):
            shape["polygon"] = {"points": [
                dict(zip(("latitude", "longitude"), check_point(p, "polygon")))
                for p in polygon.text.split()]}
        for circle in area.findall("cap:circle", NS):
            point, radius = circle.text.split()
            lat, lon = check_point(point, "circle")
            if float(radius) == 0:
                location["point"] = {"latitude": lat, "longitude": lon}
            else:
                shape["circle"] = {"center": {"latitude": lat, "longitude": lon},
                                   "radiusKm": float(radius)}
        for geocode in area.findall("cap:geocode", NS):
            if geocode.find("cap:valueName", NS).text == "sitrep:municipality":
                location["municipality"] = geocode.find("cap:value", NS).text
        if "sitrep:area_description" in params:
            shape["description"] = params["sitrep:area_description"]
        if shape:
            u["area"] = shape
    if location:
        u["location"] = location
    return u


def normalised(stored):
    """The stored update as the comparison sees it: unset enums read as CAP's
    defaults, times to whole seconds in CAP's form, numbers as numbers."""
    u = {k: v for k, v in stored.items()
         if k not in ("receivedAt", "locationCarried", "statusCarried")}
    u.setdefault("status", "STATUS_ACTUAL")
    u.setdefault("urgency", "URGENCY_UNKNOWN")
    u.setdefault("certainty", "CERTAINTY_UNKNOWN")
    for key in ("occurredAt", "expiresAt"):
        if key in u:
            u[key] = re.sub(r"(\.\d+)?Z$", "+00:00", u[key])
    return json.loads(json.dumps(u))


# --- The test ----------------------------------------------------------------

UPDATES = [
    {"eventId": "kp-1", "mission": "MISSION_KOSOVO_POLICE", "role": "ROLE_FIRST_RESPONDER",
     "severity": "SEVERITY_SEVERE", "category": "CATEGORY_CIVIL_DISTURBANCE",
     "incidentId": "kp-2026-0001", "kind": "KIND_NEW", "headline": "Crowd & stones <bridge>",
     "description": "About 200 people.\nRoad closed.", "occurredAt": "2026-12-06T07:00:00Z",
     "expiresAt": "2099-01-01T00:00:00Z", "status": "STATUS_ACTUAL",
     "urgency": "URGENCY_IMMEDIATE", "certainty": "CERTAINTY_OBSERVED",
     "responseTypes": ["RESPONSE_TYPE_AVOID", "RESPONSE_TYPE_ALL_CLEAR"],
     "instruction": "Avoid the Ibar bridge; use the eastern crossing.", "language": "sq",
     "releasability": {"scope": "SCOPE_RESTRICTED", "restriction": "EU and NATO staff"},
     "location": {"municipality": "Mitrovica e Veriut", "place": "Ibar bridge",
                  "point": {"latitude": 42.8914, "longitude": 20.866}},
     "area": {"description": "North bank", "polygon": {"points": [
         {"latitude": 42.88, "longitude": 20.86}, {"latitude": 42.9, "longitude": 20.86},
         {"latitude": 42.9, "longitude": 20.88}]}},
     "labels": {"unit": "ROSU", "source/link": "https://example.org/1"}},
    {"eventId": "kp-2", "mission": "MISSION_KOSOVO_POLICE", "role": "ROLE_FIRST_RESPONDER",
     "severity": "SEVERITY_EXTREME", "category": "CATEGORY_CIVIL_DISTURBANCE",
     "incidentId": "kp-2026-0001", "kind": "KIND_UPDATE", "headline": "Crowd grows",
     "certainty": "CERTAINTY_LIKELY"},
    {"eventId": "ex-1", "mission": "MISSION_KOSOVO_POLICE", "role": "ROLE_FIRST_RESPONDER",
     "severity": "SEVERITY_EXTREME", "category": "CATEGORY_CIVIL_DISTURBANCE",
     "status": "STATUS_EXERCISE", "incidentId": "ex-2026-0001", "kind": "KIND_NEW",
     "headline": "EXERCISE: simulated riot", "releasability": {"scope": "SCOPE_PUBLIC"},
     "area": {"circle": {"center": {"latitude": 42.66, "longitude": 21.16}, "radiusKm": 3}}},
    {"eventId": "kfor-1", "mission": "MISSION_KFOR", "role": "ROLE_SUPPORT",
     "severity": "SEVERITY_MINOR", "category": "CATEGORY_PATROL",
     "headline": "Patrol at Jarinje", "language": "en-GB"},
]


def check_import(sitrepd, sitrep, work, http_port, sequences, stored):
    other = subprocess.Popen(
        [sitrepd, "--listen=127.0.0.1:0", f"--port_file={work}/port2",
         "--http_address=127.0.0.1:0", f"--http_port_file={work}/http_port2",
         f"--data_dir={work}/data2", "--fsync=off", "--metrics_address="],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        grpc_port = wait_for_file(f"{work}/port2", other)
        other_http = wait_for_file(f"{work}/http_port2", other)
        for sequence in sequences:
            _, xml = get(http_port, f"/v1/cap/{sequence}.xml")
            result = subprocess.run(
                [sitrep, "import", "--format", "cap", "-", f"--server=127.0.0.1:{grpc_port}"],
                input=xml, capture_output=True, timeout=30)
            check(result.returncode == 0,
                  f"import of /v1/cap/{sequence}.xml: {result.stderr.decode()}")
        _, body = get(other_http, "/v1/updates?page_size=100")
        imported = json.loads(body)["updates"]
        check(len(imported) == len(sequences), f"{len(imported)} updates imported")
        ignore = ("sequence", "receivedAt", "occurredAt", "locationCarried", "statusCarried")
        for original, copy in zip((stored[s] for s in sequences), imported):
            original = dict(original, status=original.get("status", "STATUS_ACTUAL"))
            copy = dict(copy, status=copy.get("status", "STATUS_ACTUAL"))
            for key in sorted(set(original) | set(copy)):
                if key in ignore:
                    continue
                check(original.get(key) == copy.get(key),
                      f"import of #{original['sequence']}: {key}: "
                      f"{copy.get(key)!r} != {original.get(key)!r}")
        # An Update whose references name no incident sitrep knows.
        unknown = (f'<alert xmlns="{CAP}"><identifier>x-2</identifier><sender>other</sender>'
                   '<sent>2026-12-06T08:00:00+00:00</sent><status>Actual</status>'
                   '<msgType>Update</msgType><scope>Public</scope>'
                   '<references>other,x-1,2026-12-06T07:00:00+00:00</references>'
                   '<info><category>Security</category><event>Riot</event>'
                   '<urgency>Immediate</urgency><severity>Severe</severity>'
                   '<certainty>Observed</certainty><headline>Riot</headline></info></alert>')
        result = subprocess.run(
            [sitrep, "import", "--format", "cap", "--mission", "kp", "-",
             f"--server=127.0.0.1:{grpc_port}"],
            input=unknown.encode(), capture_output=True, timeout=30)
        message = result.stderr.decode()
        check(result.returncode != 0 and "incident 'x-1'" in message and
              "references" in message,
              f"import of an Update of an unknown incident: exit {result.returncode}: {message}")
        # POST /v1/cap: the same mapping and errors over HTTP.
        status, answer = post(other_http, "/v1/cap?mission=kosovo_police", unknown.encode())
        check(status == 400 or status == 409 or status == 412 or status == 404,
              f"POST /v1/cap of an Update of an unknown incident: HTTP {status}")
        check("incident 'x-1'" in answer and "references" in answer,
              f"POST /v1/cap of an Update of an unknown incident: {answer}")
        alert = unknown.replace("<msgType>Update</msgType>", "<msgType>Alert</msgType>")
        status, answer = post(other_http, "/v1/cap?mission=kosovo_police", alert.encode())
        check(status == 200 and '"sequence"' in answer, f"POST /v1/cap: HTTP {status} {answer}")
        status, again = post(other_http, "/v1/cap?mission=kosovo_police", alert.encode())
        check(status == 200 and '"duplicate":true' in again,
              f"POST /v1/cap again is a duplicate: HTTP {status} {again}")
        status, answer = post(other_http, "/v1/cap", alert.replace("Actual", "System").encode())
        check(status == 400 and "alert.status: 'System' cannot be mapped" in answer,
              f"POST /v1/cap of a System alert: HTTP {status} {answer}")
        result = subprocess.run(
            [sitrep, "import", "--format", "cap", "-", f"--server=127.0.0.1:{grpc_port}"],
            input=unknown.replace("Actual", "Draft").encode(), capture_output=True, timeout=30)
        check(result.returncode != 0 and "alert.status: 'Draft' cannot be mapped"
              in result.stderr.decode(), f"import of a Draft: {result.stderr.decode()}")
    finally:
        other.terminate()
        try:
            other.wait(timeout=20)
        except subprocess.TimeoutExpired:
            other.kill()


def main():
    sitrepd, sitrep = sys.argv[1], sys.argv[2]
    work = tempfile.mkdtemp(prefix="sitrep-cap-")
    server = subprocess.Popen(
        [sitrepd, "--listen=127.0.0.1:0", f"--port_file={work}/port",
         "--http_address=127.0.0.1:0", f"--http_port_file={work}/http_port",
         f"--data_dir={work}/data", "--fsync=off", "--metrics_address="],
        stdout=subprocess.DEVNULL, stderr=open(f"{work}/sitrepd.log", "w"))
    try:
        grpc_port = wait_for_file(f"{work}/port", server)
        http_port = wait_for_file(f"{work}/http_port", server)
        sequences = [publish(sitrep, grpc_port, u) for u in UPDATES]
        _, body = get(http_port, "/v1/updates?page_size=100")
        stored = {int(u["sequence"]): u for u in json.loads(body)["updates"]}

        for sequence in sequences:
            content_type, xml = get(http_port, f"/v1/cap/{sequence}.xml")
            where = f"/v1/cap/{sequence}.xml"
            check(content_type.startswith("application/cap+xml"), f"{where}: {content_type}")
            alert = ET.fromstring(xml)
            check_alert(alert, where)
            back = cap_to_update(alert)
            want = normalised(stored[sequence])
            for key in sorted(set(want) | set(back)):
                check(back.get(key) == want.get(key),
                      f"{where}: round trip of {key}: {back.get(key)!r} != {want.get(key)!r}")
        # The update of the incident references the alert it follows (3.2.1).
        _, xml = get(http_port, f"/v1/cap/{sequences[1]}.xml")
        references = ET.fromstring(xml).find("cap:references", NS).text.split(",")
        check(references[1].endswith(f":{sequences[0]}"),
              f"the incident's update references {references}, not #{sequences[0]}")

        # The Atom feed of the current alerts: the real incident only.
        content_type, atom = get(http_port, "/v1/cap/alerts.atom")
        check(content_type.startswith("application/atom+xml"), f"alerts.atom: {content_type}")
        feed = feedparser.parse(atom)
        check(not feed.bozo, f"alerts.atom is not well-formed: {feed.get('bozo_exception')}")
        check(feed.version == "atom10", f"alerts.atom: feedparser reads {feed.version}")
        titles = [e.title for e in feed.entries]
        check(titles == ["Crowd grows"], f"alerts.atom entries: {titles}")
        if feed.entries:
            entry = feed.entries[0]
            links = [l.href for l in entry.links if l.type == "application/cap+xml"]
            check(links and links[0].endswith(f"/v1/cap/{sequences[1]}.xml"),
                  f"alerts.atom: the entry's CAP link: {links}")
            check(entry.id.endswith(f":{sequences[1]}"), f"alerts.atom: entry id {entry.id}")
        _, atom = get(http_port, "/v1/cap/alerts.atom?filter.statuses=STATUS_EXERCISE")
        feed = feedparser.parse(atom)
        titles = [e.title for e in feed.entries]
        check(titles == ["Exercise: EXERCISE: simulated riot"],
              f"alerts.atom with the exercise filter: {titles}")
        if feed.entries:
            check([t.term for t in feed.entries[0].tags] == ["Exercise"],
                  "alerts.atom: the exercise's category is not Exercise")
        # CAP in: each alert into a second, empty sitrepd with `sitrep import
        # --format cap` comes back as the same update.
        check_import(sitrepd, sitrep, work, http_port, sequences, stored)

        # Not found is a 404, not an empty alert.
        try:
            get(http_port, "/v1/cap/999.xml")
            check(False, "/v1/cap/999.xml answered")
        except urllib.error.HTTPError as e:
            check(e.code == 404, f"/v1/cap/999.xml: HTTP {e.code}")
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        if failures:
            with open(f"{work}/sitrepd.log") as f:
                sys.stderr.write(f.read()[-4000:])
        shutil.rmtree(work, ignore_errors=True)
    for failure in failures:
        print(f"cap_test: FAILED: {failure}", file=sys.stderr)
    if failures:
        sys.exit(1)
    print(f"cap_test: {len(sequences)} alerts and the Atom feed read by independent readers")
    print("1 passed, 0 failed")


if __name__ == "__main__":
    main()
