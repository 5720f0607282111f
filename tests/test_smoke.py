def test_home(client, community):
    r = client.get("/")
    assert r.status_code == 200
    assert "伊賀衆に登録する" in r.content.decode()
