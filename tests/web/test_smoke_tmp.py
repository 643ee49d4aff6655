import pytest
from tests import factories as f
pytestmark = pytest.mark.django_db
def test_smoke(client):
    sp = f.space(quota=2); m = f.member()
    client.force_login(m)
    for url in ["/", "/offices", "/offices?view=map", f"/offices/{sp.office_id}", "/checkin", "/tickets", "/history", "/manifest.webmanifest", "/sw.js", "/offline", f"/c/{f.code_for(sp)}", "/offices?q=新宿", "/trouble?kind=exit_unlock&office=%d" % sp.office_id]:
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code, r.content[:3000])
    r = client.post(f"/c/{f.code_for(sp)}", {"minutes": "240"})
    assert r.status_code == 302, r.content.decode()[:3000]
    r = client.get(r["Location"]); assert r.status_code == 200
    print(r.content.decode()[:200])
