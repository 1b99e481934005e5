DROP TABLE review_items;
DROP TABLE reviews;
