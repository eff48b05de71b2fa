from unittest import mock

import redis


def test_it_answers_200_when_database_and_redis_answer(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}


def test_it_answers_503_naming_redis_when_redis_is_down(client, db):
    with mock.patch("core.views.redis_connection") as connection:
        connection.return_value.ping.side_effect = redis.ConnectionError("refused")
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["redis"] == "error: ConnectionError"
    assert response.json()["database"] == "ok"
